-- 印刷物: the PDFs Karte renders from a record (領収証 and 明細書 of a bill version, a 処方箋
-- issue, a chart print), each kept in both file stores (a stored_file of origin 'generated') and
-- named by what it was printed from. The same source prints once (a bill version's 領収証 is
-- the same document every time it is handed out); every output (opened, printed, downloaded)
-- is a numbered row in print_output and an audit event, so a reprint is visible as one.

create table print_record (
    tenant_id       uuid not null,
    print_id        uuid not null,
    patient_id      uuid not null,
    kind            text not null check (kind in ('receipt', 'statement', 'prescription', 'chart')),
    -- What it was printed from, e.g. 'bill:<bill_id>:<version>' (unique per kind).
    source          text not null check (char_length(source) between 1 and 200),
    file_id         uuid not null,
    created_by      uuid not null,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, print_id),
    unique (tenant_id, kind, source),
    unique (tenant_id, file_id),
    unique (tenant_id, print_id, patient_id),
    foreign key (tenant_id, patient_id) references patient (tenant_id, patient_id),
    foreign key (tenant_id, file_id, patient_id)
        references stored_file (tenant_id, file_id, patient_id)
);
create index print_record_patient_idx on print_record (tenant_id, patient_id, created_at desc);

create table print_output (
    tenant_id       uuid not null,
    print_id        uuid not null,
    output_no       integer not null check (output_no >= 1),
    output_by       uuid not null,
    output_at       timestamptz not null default now(),
    primary key (tenant_id, print_id, output_no),
    foreign key (tenant_id, print_id) references print_record (tenant_id, print_id)
);

do $$
declare t text;
begin
    foreach t in array array['print_record', 'print_output']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format('create policy tenant_isolation on %I
            using (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)
            with check (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)', t);
    end loop;
end $$;

grant select, insert on print_record, print_output to karte_app;

create trigger print_record_append_only before update or delete on print_record
    for each row execute function refuse_log_change();
create trigger print_record_no_truncate before truncate on print_record
    for each statement execute function refuse_log_change();
create trigger print_output_append_only before update or delete on print_output
    for each row execute function refuse_log_change();
