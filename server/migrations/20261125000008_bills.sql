-- 会計: the bill of one visit (受付), kept as versions. Version 1 is the finalised bill; a
-- correction (訂正) adds a version with its reason. Each version stores the visit as priced and
-- the priced lines exactly as computed (from the masters valid on the date of service), so a
-- later master import never changes a finalised bill.

create table bill_version (
    tenant_id       uuid not null,
    bill_id         uuid not null,
    version         integer not null check (version >= 1),
    reception_id    uuid not null,
    patient_id      uuid not null,
    service_date    date not null,
    -- shared::billing::Visit (input) and shared::billing::PricedVisit (result), as JSON.
    visit           jsonb not null,
    priced          jsonb not null,
    total_points    integer not null check (total_points >= 0),
    patient_share   integer not null check (patient_share >= 0),
    -- 領収金額: what the window received for this version (yen).
    paid            integer not null check (paid >= 0),
    -- Which master imports priced it ("procedure#22 drug#1 material#1").
    master_revision text not null,
    reason          text not null default '',
    author_user_id  uuid,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, bill_id, version),
    foreign key (tenant_id, reception_id) references reception (tenant_id, reception_id),
    foreign key (tenant_id, patient_id) references patient (tenant_id, patient_id)
);
-- One bill per visit.
create index bill_reception_idx on bill_version (tenant_id, reception_id);
create unique index bill_first_version_idx on bill_version (tenant_id, reception_id) where version = 1;
create index bill_patient_month_idx on bill_version (tenant_id, patient_id, service_date);

alter table bill_version enable row level security;
alter table bill_version force row level security;
create policy tenant_isolation on bill_version
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
grant select, insert on bill_version to karte_app;
create trigger bill_version_append_only before update or delete on bill_version
    for each row execute function refuse_log_change();
