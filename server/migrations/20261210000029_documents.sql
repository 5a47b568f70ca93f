-- 文書: documents Karte writes for a patient (診療情報提供書). A document has one working draft
-- (replaced on every save, guarded by the document's revision) and append-only finalised
-- versions, hash-chained per document like notes; each version names the PDF rendered from it
-- (a stored_file of origin 'generated', in both file stores). Every output of a version's PDF
-- (opened, printed, downloaded) is a row in document_output and an audit event.

create table clinical_document (
    tenant_id       uuid not null,
    document_id     uuid not null,
    patient_id      uuid not null,
    kind            text not null check (kind in ('referral')),
    created_by      uuid not null,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, document_id),
    unique (tenant_id, document_id, patient_id),
    foreign key (tenant_id, patient_id) references patient (tenant_id, patient_id)
);
create index clinical_document_patient_idx
    on clinical_document (tenant_id, patient_id, created_at desc);

-- One row per document, made with it: the revision only moves up (every save and 確定), so a
-- tab holding an old revision never matches. body is null when no draft is open.
create table document_draft (
    tenant_id       uuid not null,
    document_id     uuid not null,
    base_version    integer not null check (base_version >= 0),
    revision        bigint not null check (revision >= 1),
    body            jsonb,
    author_user_id  uuid not null,
    updated_at      timestamptz not null default now(),
    primary key (tenant_id, document_id),
    foreign key (tenant_id, document_id) references clinical_document (tenant_id, document_id)
);

create table document_version (
    tenant_id       uuid not null,
    document_id     uuid not null,
    version         integer not null check (version >= 1),
    patient_id      uuid not null,
    -- {"header": {…}, "letter": {…}}: everything the PDF printed.
    body            jsonb not null,
    file_id         uuid not null,
    signed_by       uuid not null,
    reason          text not null default '' check (char_length(reason) <= 200),
    prev_hash       bytea,
    hash            bytea not null,
    created_at      timestamptz not null,
    primary key (tenant_id, document_id, version),
    foreign key (tenant_id, document_id, patient_id)
        references clinical_document (tenant_id, document_id, patient_id),
    -- The PDF is the same patient's (and institution's) file, and one version's only.
    foreign key (tenant_id, file_id, patient_id)
        references stored_file (tenant_id, file_id, patient_id),
    unique (tenant_id, file_id),
    check ((version = 1) = (prev_hash is null)),
    check (version = 1 or char_length(reason) > 0)
);

create table document_output (
    tenant_id       uuid not null,
    document_id     uuid not null,
    version         integer not null,
    output_no       integer not null check (output_no >= 1),
    output_by       uuid not null,
    output_at       timestamptz not null default now(),
    primary key (tenant_id, document_id, version, output_no),
    foreign key (tenant_id, document_id, version)
        references document_version (tenant_id, document_id, version)
);

do $$
declare t text;
begin
    foreach t in array array['clinical_document', 'document_draft', 'document_version',
                             'document_output']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format('create policy tenant_isolation on %I
            using (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)
            with check (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)', t);
    end loop;
end $$;

grant select, insert on clinical_document, document_version, document_output to karte_app;
-- The working copy: replaced on every save, never deleted.
grant select, insert, update on document_draft to karte_app;

create trigger clinical_document_append_only before update or delete on clinical_document
    for each row execute function refuse_log_change();
create trigger document_version_append_only before update or delete on document_version
    for each row execute function refuse_log_change();
create trigger document_version_no_truncate before truncate on document_version
    for each statement execute function refuse_log_change();
create trigger document_output_append_only before update or delete on document_output
    for each row execute function refuse_log_change();
