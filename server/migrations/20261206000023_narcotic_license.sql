-- A doctor's 麻薬施用者免許証番号, printed on (and in the 2次元シンボル of) a 処方箋 that names a
-- 麻薬. Kept as versions: a change or removal (empty) is a new version with its reason.

create table narcotic_license_version (
    tenant_id       uuid not null references institution (tenant_id),
    user_id         uuid not null,
    version         integer not null check (version >= 1),
    -- Empty: removed. JAHIS record 61 holds 15 characters (英数).
    license         text not null check (license ~ '^[0-9A-Za-z-]{0,15}$'),
    reason          text not null default '' check (char_length(reason) <= 200),
    author_user_id  uuid not null,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, user_id, version),
    foreign key (tenant_id, user_id) references app_user (tenant_id, user_id),
    check (version = 1 or char_length(reason) > 0)
);

alter table narcotic_license_version enable row level security;
alter table narcotic_license_version force row level security;
create policy tenant_isolation on narcotic_license_version
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
create trigger narcotic_license_version_append_only before update or delete
    on narcotic_license_version for each row execute function refuse_log_change();

grant select, insert on narcotic_license_version to karte_app;
