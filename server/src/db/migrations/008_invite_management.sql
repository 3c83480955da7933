-- Member management (issue 10): reusable invites, use counts and revocation.
-- max_uses: how many accepts an invite allows; null = a reusable link (until it expires or is revoked).
alter table invite add column max_uses integer default 1 check (max_uses is null or max_uses >= 1);
-- uses: accepts so far (used_by / used_at keep the last one).
alter table invite add column uses integer not null default 0 check (uses >= 0);
-- revoked_at: set by a DM; a revoked invite answers 410 like a used one.
alter table invite add column revoked_at timestamptz;
update invite set uses = 1 where used_at is not null;
