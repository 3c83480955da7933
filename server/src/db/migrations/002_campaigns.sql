-- Campaigns, their members and invites.
create table campaign (
  id text primary key,
  name text not null,
  -- Kept when the creator's account is deleted: the campaign belongs to its members, not to one user.
  created_by text references "user" ("id") on delete set null,
  created_at timestamptz not null default now()
);

create table campaign_member (
  campaign_id text not null references campaign (id) on delete cascade,
  user_id text not null references "user" ("id") on delete cascade,
  role text not null check (role in ('owner', 'dm', 'player')),
  joined_at timestamptz not null default now(),
  primary key (campaign_id, user_id)
);
-- "My campaigns" looks members up by user.
create index campaign_member_user_idx on campaign_member (user_id);

-- Invites are single-use (used_by/used_at set once) and expire (expires_at, 7 days by default).
create table invite (
  code text primary key,
  campaign_id text not null references campaign (id) on delete cascade,
  role text not null check (role in ('player', 'dm')),
  created_by text references "user" ("id") on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_by text references "user" ("id") on delete set null,
  used_at timestamptz,
  -- "Used" means used_at is set; used_by may later become null if that account is deleted.
  check (used_by is null or used_at is not null)
);
create index invite_campaign_idx on invite (campaign_id);
