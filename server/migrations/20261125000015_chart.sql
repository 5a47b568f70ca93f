-- カルテ: SOAP notes (2号用紙), diagnoses (傷病名), vital signs and lab results.
--
-- Authenticity (真正性): a note's finalised content lives only in note_version, append-only and
-- hash-chained per note (each version stores the SHA-256 of the previous one); an amendment is a
-- new version with who, when and why. 代行入力 (a clerk entering for a doctor) is a version whose
-- on_behalf_of names the doctor; it stays pending until a row in note_approval by that doctor.
-- The working copy while typing is note_draft: one per note, replaced on every autosave, guarded
-- by its revision so two editors never silently overwrite each other; it is deleted when it
-- becomes a version. Diagnoses, vitals and lab results are append-only too.

create table clinical_note (
    tenant_id       uuid not null,
    note_id         uuid not null,
    patient_id      uuid not null,
    reception_id    uuid,
    visit_date      date not null,
    created_by      uuid not null,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, note_id),
    foreign key (tenant_id, patient_id) references patient (tenant_id, patient_id),
    foreign key (tenant_id, reception_id) references reception (tenant_id, reception_id)
);
-- The timeline: newest first, keyset-paged on (visit_date, note_id).
create index clinical_note_timeline_idx on clinical_note (tenant_id, patient_id, visit_date desc, note_id desc);

create table note_version (
    tenant_id       uuid not null,
    note_id         uuid not null,
    version         integer not null check (version >= 1),
    subjective      text not null check (char_length(subjective) <= 20000),
    objective       text not null check (char_length(objective) <= 20000),
    assessment      text not null check (char_length(assessment) <= 20000),
    plan            text not null check (char_length(plan) <= 20000),
    -- Who entered it; for 代行入力 also the doctor it was entered for.
    author_user_id  uuid not null,
    on_behalf_of    uuid,
    reason          text not null default '' check (char_length(reason) <= 200),
    prev_hash       bytea,
    hash            bytea not null,
    created_at      timestamptz not null,
    primary key (tenant_id, note_id, version),
    foreign key (tenant_id, note_id) references clinical_note (tenant_id, note_id),
    check ((version = 1) = (prev_hash is null)),
    check (version = 1 or char_length(reason) > 0)
);

create table note_approval (
    tenant_id       uuid not null,
    note_id         uuid not null,
    version         integer not null,
    approved_by     uuid not null,
    approved_at     timestamptz not null default now(),
    primary key (tenant_id, note_id, version),
    foreign key (tenant_id, note_id, version) references note_version (tenant_id, note_id, version)
);
-- A doctor's queue of entries waiting for approval.
create index note_version_pending_idx on note_version (tenant_id, on_behalf_of) where on_behalf_of is not null;

-- Draft revisions come from one sequence, so a revision is never reused: a tab holding an old
-- revision can never match a newer draft (even after a discard and a new draft).
create sequence note_draft_revision_seq;

create table note_draft (
    tenant_id       uuid not null,
    note_id         uuid not null,
    -- The version this draft amends (0: the note has none yet).
    base_version    integer not null check (base_version >= 0),
    revision        bigint not null check (revision >= 1),
    subjective      text not null check (char_length(subjective) <= 20000),
    objective       text not null check (char_length(objective) <= 20000),
    assessment      text not null check (char_length(assessment) <= 20000),
    plan            text not null check (char_length(plan) <= 20000),
    author_user_id  uuid not null,
    on_behalf_of    uuid,
    updated_at      timestamptz not null default now(),
    primary key (tenant_id, note_id),
    foreign key (tenant_id, note_id) references clinical_note (tenant_id, note_id)
);

create table diagnosis_version (
    tenant_id       uuid not null,
    diagnosis_id    uuid not null,
    version         integer not null check (version >= 1),
    patient_id      uuid not null,
    -- 傷病名コード (7 digits), or null for 未コード化傷病名 (free text in name).
    disease_code    text check (disease_code ~ '^[0-9]{7}$'),
    modifier_codes  text[] not null default '{}',
    -- The full name as shown and printed (prefixes + name + suffixes), fixed when saved.
    name            text not null check (char_length(name) between 1 and 100),
    is_main         boolean not null default false,
    suspected       boolean not null default false,
    start_date      date not null,
    outcome         text check (outcome in ('cured', 'died', 'stopped', 'transferred')),
    end_date        date,
    reason          text not null default '' check (char_length(reason) <= 200),
    author_user_id  uuid not null,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, diagnosis_id, version),
    foreign key (tenant_id, patient_id) references patient (tenant_id, patient_id),
    check (end_date is null or end_date >= start_date),
    check ((outcome is null) = (end_date is null))
);
create index diagnosis_patient_idx on diagnosis_version (tenant_id, patient_id, diagnosis_id, version desc);

create table vital_sign (
    tenant_id       uuid not null,
    vital_id        uuid not null,
    patient_id      uuid not null,
    measured_at     timestamptz not null,
    -- Tenths: 365 = 36.5 ℃, 1705 = 170.5 cm, 623 = 62.3 kg.
    temperature_x10 integer check (temperature_x10 between 250 and 450),
    pulse           integer check (pulse between 1 and 300),
    systolic        integer check (systolic between 30 and 300),
    diastolic       integer check (diastolic between 10 and 250),
    respiration     integer check (respiration between 1 and 100),
    spo2            integer check (spo2 between 30 and 100),
    height_x10      integer check (height_x10 between 200 and 2600),
    weight_x10      integer check (weight_x10 between 3 and 4000),
    -- A correction names the entry it replaces; the replaced entry stays.
    replaces        uuid,
    reason          text not null default '' check (char_length(reason) <= 200),
    author_user_id  uuid not null,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, vital_id),
    foreign key (tenant_id, patient_id) references patient (tenant_id, patient_id),
    foreign key (tenant_id, replaces) references vital_sign (tenant_id, vital_id)
);
create index vital_sign_patient_idx on vital_sign (tenant_id, patient_id, measured_at);
-- An entry is corrected once; a further correction corrects the correction.
create unique index vital_sign_replaces_idx on vital_sign (tenant_id, replaces) where replaces is not null;

create table lab_result (
    tenant_id       uuid not null,
    lab_id          uuid not null,
    patient_id      uuid not null,
    collected_on    date not null,
    item_code       text not null default '' check (char_length(item_code) <= 20),
    item_name       text not null check (char_length(item_name) between 1 and 60),
    -- As reported ("5.6", "(+)", "<0.5"); numeric_value when it is a number.
    value           text not null check (char_length(value) between 1 and 40),
    numeric_value   double precision,
    unit            text not null default '' check (char_length(unit) <= 20),
    reference_low   double precision,
    reference_high  double precision,
    flag            text check (flag in ('H', 'L')),
    source          text not null default 'manual' check (source in ('manual', 'import')),
    author_user_id  uuid not null,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, lab_id),
    foreign key (tenant_id, patient_id) references patient (tenant_id, patient_id)
);
create index lab_result_patient_idx on lab_result (tenant_id, patient_id, item_name, collected_on);
create index lab_result_patient_day_idx on lab_result (tenant_id, patient_id, collected_on);

do $$
declare t text;
begin
    foreach t in array array['clinical_note', 'note_version', 'note_approval', 'note_draft',
                             'diagnosis_version', 'vital_sign', 'lab_result'] loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format('create policy tenant_isolation on %I
            using (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)
            with check (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)', t);
    end loop;
end $$;

grant select, insert on clinical_note, note_version, note_approval, diagnosis_version,
    vital_sign, lab_result to karte_app;
-- The draft is the one working copy that changes in place until it becomes a version.
grant select, insert, update, delete on note_draft to karte_app;
grant usage on sequence note_draft_revision_seq to karte_app;

create trigger clinical_note_append_only before update or delete on clinical_note
    for each row execute function refuse_log_change();
create trigger note_version_append_only before update or delete on note_version
    for each row execute function refuse_log_change();
create trigger note_approval_append_only before update or delete on note_approval
    for each row execute function refuse_log_change();
create trigger diagnosis_version_append_only before update or delete on diagnosis_version
    for each row execute function refuse_log_change();
create trigger vital_sign_append_only before update or delete on vital_sign
    for each row execute function refuse_log_change();
create trigger lab_result_append_only before update or delete on lab_result
    for each row execute function refuse_log_change();
