-- Game sessions (waiting -> active <-> paused -> ended) and the log of what happened in them.
create table game_session (
  id text primary key,
  campaign_id text not null references campaign (id) on delete cascade,
  status text not null check (status in ('waiting', 'active', 'paused', 'ended')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- At most one session per campaign that is not ended: two instances starting one at once cannot both succeed.
create unique index game_session_one_open_idx on game_session (campaign_id) where status <> 'ended';
create index game_session_campaign_idx on game_session (campaign_id, created_at);

create table session_event (
  id bigserial primary key,
  campaign_id text not null references campaign (id) on delete cascade,
  -- Null for events outside a session (e.g. a publish while preparing).
  session_id text references game_session (id) on delete set null,
  type text not null,
  actor_id text,
  payload jsonb not null default '{}',
  -- Idempotency: the same event derived on two instances carries the same key and is written once.
  event_key text unique,
  created_at timestamptz not null default now()
);
create index session_event_campaign_idx on session_event (campaign_id, id);
