-- A session can be "preparing" (issue 15): players see that the DM is preparing the map.
alter table game_session drop constraint if exists game_session_status_check;
alter table game_session add constraint game_session_status_check
  check (status in ('waiting', 'active', 'paused', 'ended', 'preparing'));
