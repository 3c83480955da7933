-- Version of each document's stored state (DocumentStore.store, SPEC.md STORE5). Every write increments it, so a
-- writer that knows the version it last wrote or read (and whose document contains that state) can replace the row
-- without merging; any other writer merges. Existing rows start at 0.
alter table document add column version bigint not null default 0;

-- A write that does not set the next version itself (an instance still running older code during a rolling deploy,
-- a manual fix) bumps it anyway: no writer may keep a version whose stored state changed under it, or its next
-- store would replace content it never saw.
create function document_bump_version() returns trigger language plpgsql as $$
begin
  if new.version is not distinct from old.version then
    new.version := old.version + 1;
  end if;
  return new;
end
$$;

create trigger document_bump_version before update on document
  for each row execute function document_bump_version();
