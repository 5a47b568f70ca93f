-- A patient's insurances (保険) and public payments (公費). Each is a series of versions
-- (append-only); the current one is the highest version. Validity periods let every bill ask
-- "what covered this patient on date D".

create table insurance_version (
    tenant_id        uuid not null,
    insurance_id     uuid not null,
    version          integer not null check (version >= 1),
    patient_id       uuid not null,
    insurer_number   text not null check (insurer_number ~ '^([0-9]{6}|[0-9]{8})$'),
    symbol           text not null default '',
    number           text not null,
    branch           text not null default '' check (branch ~ '^[0-9]{0,2}$'),
    relationship     text not null check (relationship in ('insured', 'dependent')),
    acquired_on      date,
    valid_from       date not null,
    valid_until      date check (valid_until is null or valid_until >= valid_from),
    income_category  text not null check (income_category in ('general', 'certain', 'active')),
    burden_override  smallint check (burden_override between 1 and 3),
    reason           text not null default '',
    author_user_id   uuid,
    created_at       timestamptz not null default now(),
    primary key (tenant_id, insurance_id, version),
    foreign key (tenant_id, patient_id) references patient (tenant_id, patient_id)
);
create index insurance_patient_idx on insurance_version (tenant_id, patient_id);

create table public_payment_version (
    tenant_id          uuid not null,
    public_payment_id  uuid not null,
    version            integer not null check (version >= 1),
    patient_id         uuid not null,
    payer_number       text not null check (payer_number ~ '^[0-9]{8}$'),
    recipient_number   text check (recipient_number ~ '^[0-9]{7}$'),
    valid_from         date not null,
    valid_until        date check (valid_until is null or valid_until >= valid_from),
    reason             text not null default '',
    author_user_id     uuid,
    created_at         timestamptz not null default now(),
    primary key (tenant_id, public_payment_id, version),
    foreign key (tenant_id, patient_id) references patient (tenant_id, patient_id)
);
create index public_payment_patient_idx on public_payment_version (tenant_id, patient_id);

alter table insurance_version enable row level security;
alter table insurance_version force row level security;
create policy tenant_isolation on insurance_version
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
alter table public_payment_version enable row level security;
alter table public_payment_version force row level security;
create policy tenant_isolation on public_payment_version
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

grant select, insert on insurance_version, public_payment_version to karte_app;
create trigger insurance_version_append_only before update or delete on insurance_version
    for each row execute function refuse_log_change();
create trigger public_payment_version_append_only before update or delete on public_payment_version
    for each row execute function refuse_log_change();
