-- Instance-wide settings shared by every server on this database (e.g. the generated auth secret).
create table if not exists app_setting (
  key text primary key,
  value text not null,
  created_at timestamptz not null default now()
);
