-- 画像・文書: files stored twice (two object stores, see server/src/files.rs), their SHA-256 and
-- size recorded here in the transaction that makes them visible, and attachments (versioned
-- metadata naming a file). Nothing is updated or deleted: a wrong attachment is retracted by a
-- new version with a reason.

create table stored_file (
    tenant_id       uuid not null references institution (tenant_id),
    file_id         uuid not null,
    patient_id      uuid not null,
    -- Sniffed from the bytes (shared::media::sniff), never the client's claim.
    media_type      text not null check (media_type in
                        ('image/jpeg', 'image/png', 'image/webp', 'application/pdf', 'application/dicom')),
    size_bytes      bigint not null check (size_bytes > 0),
    sha256          bytea not null check (length(sha256) = 32),
    -- The key in both stores (tenants/<tenant>/files/<file>).
    object_key      text not null check (char_length(object_key) between 1 and 300),
    -- upload: sent by a user; generated: rendered by Karte (紹介状 PDF …).
    origin          text not null check (origin in ('upload', 'generated')),
    created_by      uuid not null,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, file_id),
    unique (tenant_id, file_id, patient_id),
    unique (tenant_id, object_key),
    foreign key (tenant_id, patient_id) references patient (tenant_id, patient_id)
);
create index stored_file_patient_idx on stored_file (tenant_id, patient_id, created_at);

create table attachment_version (
    tenant_id       uuid not null,
    attachment_id   uuid not null,
    version         integer not null check (version >= 1),
    patient_id      uuid not null,
    file_id         uuid not null,
    kind            text not null check (kind in
                        ('photo', 'imaging', 'referral', 'report', 'consent', 'document', 'other')),
    title           text not null check (char_length(title) between 1 and 100),
    taken_on        date not null,
    visit_date      date,
    source          text not null default '' check (char_length(source) <= 100),
    retracted       boolean not null default false,
    reason          text not null default '' check (char_length(reason) <= 200),
    author_user_id  uuid not null,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, attachment_id, version),
    -- The file belongs to the same patient (and institution).
    foreign key (tenant_id, file_id, patient_id)
        references stored_file (tenant_id, file_id, patient_id),
    check (version = 1 or char_length(reason) > 0),
    check (version > 1 or not retracted)
);
create index attachment_patient_idx
    on attachment_version (tenant_id, patient_id, attachment_id, version desc);
-- One attachment per file: a file is attached once (its metadata then changes by versions).
create unique index attachment_file_once
    on attachment_version (tenant_id, file_id) where version = 1;

do $$
declare t text;
begin
    foreach t in array array['stored_file', 'attachment_version']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format('create policy tenant_isolation on %I
            using (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)
            with check (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)', t);
    end loop;
end $$;

grant select, insert on stored_file, attachment_version to karte_app;

create trigger stored_file_append_only before update or delete on stored_file
    for each row execute function refuse_log_change();
create trigger stored_file_no_truncate before truncate on stored_file
    for each statement execute function refuse_log_change();
create trigger attachment_version_append_only before update or delete on attachment_version
    for each row execute function refuse_log_change();

-- The scrub (karte-server files verify) walks every institution's files: which institutions
-- have files is the one cross-tenant fact it needs; the rows it reads per tenant, under RLS.
grant select on stored_file to karte_system;
create function system.file_tenants()
returns table (tenant_id uuid, files bigint)
language sql stable security definer
set search_path = pg_catalog, public
as $$
    select tenant_id, count(*) from public.stored_file group by tenant_id order by tenant_id
$$;
alter function system.file_tenants() owner to karte_system;
revoke all on function system.file_tenants() from public;
grant execute on function system.file_tenants() to karte_app;
