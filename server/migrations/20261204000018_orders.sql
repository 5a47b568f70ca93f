-- オーダ (処方, 検査, 医学管理, 画像, 処置, 注射) and the allergy list.
--
-- An order is a record of a visit like a note: its finalised content lives only in
-- order_version, append-only and hash-chained per order; an amendment or a cancellation (取消) is
-- a new version with who, when and why; the warnings the doctor overrode are stored with their
-- reasons in the version. 代行入力 is a version whose on_behalf_of names the doctor, pending until
-- a row in order_approval. The working copy is order_draft (one per order, guarded by a revision
-- from the order's own counter). The contents are shared::domain::order::OrderContents as JSON.
--
-- A bill names the order versions it was priced from (bill_version.orders), so that an order
-- amended after 会計 is seen and the bill corrected by a new version, never silently.

create table clinical_order (
    tenant_id       uuid not null,
    order_id        uuid not null,
    patient_id      uuid not null,
    reception_id    uuid,
    visit_date      date not null,
    kind            text not null check (kind in
                        ('prescription', 'lab', 'management', 'imaging', 'treatment', 'injection')),
    created_by      uuid not null,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, order_id),
    foreign key (tenant_id, patient_id) references patient (tenant_id, patient_id),
    foreign key (tenant_id, reception_id) references reception (tenant_id, reception_id)
);
create index clinical_order_patient_idx on clinical_order (tenant_id, patient_id, visit_date desc, order_id desc);
create index clinical_order_reception_idx on clinical_order (tenant_id, reception_id) where reception_id is not null;

create table order_version (
    tenant_id       uuid not null,
    order_id        uuid not null,
    version         integer not null check (version >= 1),
    contents        jsonb not null,
    cancelled       boolean not null default false,
    -- [{"key": "allergy:620098801", "reason": "…"}]: the warnings ordered through.
    overrides       jsonb not null default '[]',
    author_user_id  uuid not null,
    on_behalf_of    uuid,
    reason          text not null default '' check (char_length(reason) <= 200),
    prev_hash       bytea,
    hash            bytea not null,
    created_at      timestamptz not null,
    primary key (tenant_id, order_id, version),
    foreign key (tenant_id, order_id) references clinical_order (tenant_id, order_id),
    check ((version = 1) = (prev_hash is null)),
    check (version = 1 or char_length(reason) > 0),
    check (version > 1 or not cancelled)
);
create index order_version_pending_idx on order_version (tenant_id, on_behalf_of) where on_behalf_of is not null;

create table order_approval (
    tenant_id       uuid not null,
    order_id        uuid not null,
    version         integer not null,
    approved_by     uuid not null,
    approved_at     timestamptz not null default now(),
    primary key (tenant_id, order_id, version),
    foreign key (tenant_id, order_id, version) references order_version (tenant_id, order_id, version)
);

create table order_draft (
    tenant_id       uuid not null,
    order_id        uuid not null,
    base_version    integer not null check (base_version >= 0),
    revision        bigint not null check (revision >= 1),
    contents        jsonb not null,
    author_user_id  uuid not null,
    on_behalf_of    uuid,
    updated_at      timestamptz not null default now(),
    primary key (tenant_id, order_id),
    foreign key (tenant_id, order_id) references clinical_order (tenant_id, order_id)
);

create table order_draft_counter (
    tenant_id       uuid not null,
    order_id        uuid not null,
    last_revision   bigint not null check (last_revision >= 1),
    primary key (tenant_id, order_id),
    foreign key (tenant_id, order_id) references clinical_order (tenant_id, order_id)
);

create table allergy_version (
    tenant_id       uuid not null,
    allergy_id      uuid not null,
    version         integer not null check (version >= 1),
    patient_id      uuid not null,
    kind            text not null check (kind in ('drug', 'food', 'other')),
    substance       text not null check (char_length(substance) between 1 and 60),
    drug_code       text check (drug_code ~ '^[0-9]{9}$'),
    -- 成分 (7 digits) or 薬効分類 (4 digits) matched against ordered drugs.
    ingredient      text check (ingredient ~ '^([0-9]{4}|[0-9]{7})$'),
    severity        text not null check (severity in ('mild', 'moderate', 'severe', 'unknown')),
    source          text not null check (source in ('patient', 'family', 'referral', 'observed', 'other')),
    reaction        text not null default '' check (char_length(reaction) <= 200),
    active          boolean not null default true,
    reason          text not null default '' check (char_length(reason) <= 200),
    author_user_id  uuid not null,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, allergy_id, version),
    foreign key (tenant_id, patient_id) references patient (tenant_id, patient_id),
    check (version = 1 or char_length(reason) > 0)
);
create index allergy_patient_idx on allergy_version (tenant_id, patient_id, allergy_id, version desc);

-- 院外処方箋 as issued: what was printed (shared::domain::order::jahis::PrescriptionSheet as
-- JSON, from which the form and its 2次元シンボル are drawn again), for which order version, by
-- whom and when; a second issue of the same order is a 再発行 (issue_no > 1).
create table prescription_issue (
    tenant_id       uuid not null,
    order_id        uuid not null,
    issue_no        integer not null check (issue_no >= 1),
    version         integer not null,
    sheet           jsonb not null,
    issued_by       uuid not null,
    issued_at       timestamptz not null default now(),
    primary key (tenant_id, order_id, issue_no),
    foreign key (tenant_id, order_id, version) references order_version (tenant_id, order_id, version)
);

-- The institution's 所在地 and 電話番号 as the 処方箋 (and later letters) print them, kept as
-- versions like every setting: the newest one is in force; nothing is overwritten.
create table institution_profile_version (
    tenant_id       uuid not null references institution (tenant_id),
    version         integer not null check (version >= 1),
    postal_code     text not null default '' check (postal_code ~ '^([0-9]{3}-[0-9]{4})?$'),
    address         text not null default '' check (char_length(address) <= 50),
    phone           text not null default '' check (char_length(phone) <= 13),
    reason          text not null default '' check (char_length(reason) <= 200),
    author_user_id  uuid not null,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, version),
    check (version = 1 or char_length(reason) > 0)
);

do $$
declare t text;
begin
    foreach t in array array['clinical_order', 'order_version', 'order_approval', 'order_draft',
                             'order_draft_counter', 'allergy_version', 'prescription_issue',
                             'institution_profile_version']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format('create policy tenant_isolation on %I
            using (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)
            with check (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)', t);
    end loop;
end $$;

grant select, insert on clinical_order, order_version, order_approval, allergy_version,
    prescription_issue, institution_profile_version to karte_app;
grant select, insert, update, delete on order_draft to karte_app;
grant select, insert, update on order_draft_counter to karte_app;

create trigger clinical_order_append_only before update or delete on clinical_order
    for each row execute function refuse_log_change();
create trigger order_version_append_only before update or delete on order_version
    for each row execute function refuse_log_change();
create trigger order_approval_append_only before update or delete on order_approval
    for each row execute function refuse_log_change();
create trigger allergy_version_append_only before update or delete on allergy_version
    for each row execute function refuse_log_change();
create trigger prescription_issue_append_only before update or delete on prescription_issue
    for each row execute function refuse_log_change();
create trigger institution_profile_version_append_only before update or delete on institution_profile_version
    for each row execute function refuse_log_change();

-- The order versions a bill was priced from: [{"order_id": "…", "version": 2}]. Bills stored
-- before orders existed were priced from the clerk's entries alone.
alter table bill_version add column orders jsonb not null default '[]';
-- What the clerk entered (算定-only items), without the orders: the visit a correction starts
-- from. Null for a bill without orders (its visit is all the clerk's).
alter table bill_version add column entries jsonb;
