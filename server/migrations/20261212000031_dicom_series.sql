-- DICOM files as series: what the server read from a DICOM file's header when it was uploaded
-- (Study and Series Instance UID, series and instance numbers, modality), so that the viewer
-- opens the files of one series together, in instance order. One row per file, written in the
-- transaction that records the file; never changed.

create table dicom_instance (
    tenant_id       uuid not null,
    file_id         uuid not null,
    study_uid       text not null check (study_uid ~ '^[0-9.]{0,64}$'),
    series_uid      text not null check (series_uid ~ '^[0-9.]{0,64}$'),
    series_number   integer,
    instance_number integer,
    modality        text not null default '' check (char_length(modality) <= 16),
    primary key (tenant_id, file_id),
    foreign key (tenant_id, file_id) references stored_file (tenant_id, file_id)
);

alter table dicom_instance enable row level security;
alter table dicom_instance force row level security;
create policy tenant_isolation on dicom_instance
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

grant select, insert on dicom_instance to karte_app;

create trigger dicom_instance_append_only before update or delete on dicom_instance
    for each row execute function refuse_log_change();
create trigger dicom_instance_no_truncate before truncate on dicom_instance
    for each statement execute function refuse_log_change();
