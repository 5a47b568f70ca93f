-- Patients (患者). patient_version is the record: append-only, one row per version with who and
-- when. patient holds the current version's searchable fields (a projection, moved forward
-- only by a new version whose base is the current one).

create table patient (
    tenant_id        uuid not null,
    patient_id       uuid not null,
    patient_number   text not null check (patient_number ~ '^[0-9]{1,10}$'),
    version          integer not null check (version >= 1),
    name             text not null,
    kana             text not null,
    kana_normalized  text not null,
    sex              text not null check (sex in ('male', 'female')),
    birth_date       date not null,
    phone_digits     text not null default '',
    -- The name without spaces (half or full width), for prefix search.
    name_compact     text generated always as (replace(replace(name, ' ', ''), '　', '')) stored,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    primary key (tenant_id, patient_id),
    constraint patient_number_key unique (tenant_id, patient_number)
);
create index patient_kana_idx on patient (tenant_id, kana_normalized text_pattern_ops);
create index patient_name_idx on patient (tenant_id, name_compact text_pattern_ops);
create index patient_birth_idx on patient (tenant_id, birth_date);
create index patient_phone_idx on patient (tenant_id, phone_digits text_pattern_ops);
create index patient_number_prefix_idx on patient (tenant_id, patient_number text_pattern_ops);

create table patient_version (
    tenant_id       uuid not null,
    patient_id      uuid not null,
    version         integer not null check (version >= 1),
    name            text not null,
    kana            text not null,
    sex             text not null check (sex in ('male', 'female')),
    birth_date      date not null,
    address         text not null default '',
    phone           text not null default '',
    notes           text not null default '',
    reason          text not null default '',
    author_user_id  uuid,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, patient_id, version),
    foreign key (tenant_id, patient_id) references patient (tenant_id, patient_id)
);

-- Next patient number per institution.
create table patient_number_counter (
    tenant_id  uuid primary key,
    last_value bigint not null
);

alter table patient enable row level security;
alter table patient force row level security;
create policy tenant_isolation on patient
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table patient_version enable row level security;
alter table patient_version force row level security;
create policy tenant_isolation on patient_version
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table patient_number_counter enable row level security;
alter table patient_number_counter force row level security;
create policy tenant_isolation on patient_number_counter
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

grant select, insert, update on patient to karte_app;
grant select, insert on patient_version to karte_app;
grant select, insert, update on patient_number_counter to karte_app;

create trigger patient_version_append_only before update or delete on patient_version
    for each row execute function refuse_log_change();
