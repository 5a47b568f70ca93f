-- Billing masters (支払基金 基本マスター) and each institution's billing settings.
--
-- Masters are public reference data shared by every institution, so they live in their own
-- schema `master`, outside row-level security, read-only for the application. Nothing is updated
-- in place: every import adds versions (shared::masters::MasterHistory is the same rule in Rust).
-- On date D the governing version of a code is, among its versions with valid_from <= D (or
-- null), the one of the latest import (highest seq); the code is valid on D when that version
-- does not end the code (end_reason is null) and D <= last_day (or last_day is null).

create schema master;
grant usage on schema master to karte_app;

create table master.import (
    kind           text not null check (kind in ('procedure', 'drug', 'material', 'comment',
                                                 'disease', 'modifier')),
    seq            integer not null check (seq >= 1),
    edition        date not null,
    file_name      text not null,
    sha256         text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    scope          text not null check (scope in ('full', 'diff')),
    rows_read      integer not null,
    added          integer not null,
    unchanged      integer not null,
    ended          integer not null,
    ended_missing  integer not null,
    imported_by    text not null default current_user,
    imported_at    timestamptz not null default now(),
    primary key (kind, seq),
    constraint master_import_file_key unique (kind, sha256)
);

create table master.version (
    kind           text not null,
    code           text not null,
    seq            integer not null,
    valid_from     date,
    last_day       date,
    end_reason     text check (end_reason in ('erased', 'abolished', 'missing_from_full')),
    name           text not null,
    -- Search key: the カナ name normalised like patients' カナ (full-width, no small kana).
    kana           text not null,
    -- Every column as published, diffs merged (項番1 at index 1).
    fields         text[] not null,
    primary key (kind, code, seq),
    foreign key (kind, seq) references master.import (kind, seq)
);
-- "Which codes changed since revision N" (the app updates its copy by difference).
create index master_version_seq_idx on master.version (kind, seq);
create index master_version_kana_idx on master.version (kind, kana text_pattern_ops);
create index master_version_name_idx on master.version (kind, name text_pattern_ops);

grant select on master.import, master.version to karte_app;
create trigger master_import_append_only before update or delete on master.import
    for each row execute function refuse_log_change();
create trigger master_version_append_only before update or delete on master.version
    for each row execute function refuse_log_change();
create trigger master_import_no_truncate before truncate on master.import
    for each statement execute function refuse_log_change();
create trigger master_version_no_truncate before truncate on master.version
    for each statement execute function refuse_log_change();

-- An institution's billing settings (施設基準 registrations, clinic or hospital, beds,
-- dispensing), as versions each valid from a date: a bill of date D uses the version valid on D.
create table billing_setting_version (
    tenant_id             uuid not null,
    version               integer not null check (version >= 1),
    valid_from            date not null,
    facility_kind         text not null check (facility_kind in ('clinic', 'hospital')),
    -- 一般病床数: a hospital with 200 or more bills 外来診療料 instead of 再診料.
    general_beds          integer not null default 0 check (general_beds between 0 and 10000),
    in_house_dispensing   boolean not null,
    -- shared::billing::FacilityStandards as JSON.
    standards             jsonb not null,
    reason                text not null default '',
    author_user_id        uuid,
    created_at            timestamptz not null default now(),
    primary key (tenant_id, version)
);
alter table billing_setting_version enable row level security;
alter table billing_setting_version force row level security;
create policy tenant_isolation on billing_setting_version
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
grant select, insert on billing_setting_version to karte_app;
create trigger billing_setting_version_append_only before update or delete on billing_setting_version
    for each row execute function refuse_log_change();
