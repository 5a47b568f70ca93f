-- 症状詳記 and コメント written for a patient's claim (レセプト) of a month, as versions: an
-- amendment or a retraction is a new version with its reason, nothing is overwritten. The
-- claims of the month carry the latest version of each note that is not retracted.

create table claim_note_version (
    tenant_id       uuid not null references institution (tenant_id),
    note_id         uuid not null,
    version         integer not null check (version >= 1),
    patient_id      uuid not null,
    service_month   date not null check (extract(day from service_month) = 1),
    -- shared::claims::month::ClaimNoteBody as JSON.
    body            jsonb not null,
    retracted       boolean not null default false,
    reason          text not null default '' check (char_length(reason) <= 200),
    author_user_id  uuid not null,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, note_id, version),
    check (version = 1 or char_length(reason) > 0),
    foreign key (tenant_id, patient_id) references patient (tenant_id, patient_id)
);
create index claim_note_month_idx on claim_note_version (tenant_id, service_month, patient_id);

alter table claim_note_version enable row level security;
alter table claim_note_version force row level security;
create policy tenant_isolation on claim_note_version
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
create trigger claim_note_version_append_only before update or delete on claim_note_version
    for each row execute function refuse_log_change();

grant select, insert on claim_note_version to karte_app;
