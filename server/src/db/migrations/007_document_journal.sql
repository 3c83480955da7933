-- Journal of client updates (SPEC.md DUR9–DUR12): every document update a client connection sends is appended here
-- before the server applies and acknowledges it. The `document` row is the snapshot the journal is compacted into:
-- a document's stored content is its row, then its journal entries in `id` order; entries the row holds are deleted.
create table document_journal (
  name text not null,
  -- The appending server process (a random UUID per start) and its sequence number. The writer chooses the key, so
  -- a retried append whose first attempt committed although its answer was lost inserts nothing twice
  -- (`on conflict do nothing`), and compaction deletes exactly the entries its snapshot holds.
  writer uuid not null,
  seq bigint not null,
  -- Load order. An update can only depend on updates its sender had received, and a client receives an update only
  -- after it was applied, i.e. after its append committed: so a dependency always has the smaller id, and applying
  -- in id order never leaves Yjs waiting for missing structs (out of order, 5,000 entries took 23 s instead of 0.3 s).
  id bigint generated always as identity,
  update bytea not null,
  created_at timestamptz not null default now(),
  primary key (name, writer, seq)
);
