-- セット: an institution's named sets of frequent items for 会計 (診療行為, Rp, 注射, 処置), kept
-- as versions; a set is retired by a version marked retired, never deleted.

create table item_set_version (
    tenant_id       uuid not null,
    item_set_id     uuid not null,
    version         integer not null check (version >= 1),
    name            text not null check (char_length(name) between 1 and 60),
    -- shared::api::billing::SetContents as JSON.
    contents        jsonb not null,
    retired         boolean not null default false,
    author_user_id  uuid,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, item_set_id, version)
);

alter table item_set_version enable row level security;
alter table item_set_version force row level security;
create policy tenant_isolation on item_set_version
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
grant select, insert on item_set_version to karte_app;
create trigger item_set_version_append_only before update or delete on item_set_version
    for each row execute function refuse_log_change();
