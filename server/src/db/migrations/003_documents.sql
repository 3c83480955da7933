-- Yjs documents by Hocuspocus document name. `state` is a Yjs update holding the whole document;
-- writes merge into it (DocumentStore.store), never overwrite it.
create table document (
  name text primary key,
  state bytea not null,
  updated_at timestamptz not null default now()
);
