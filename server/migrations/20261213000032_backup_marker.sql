-- Backups (karte-server backup): one marker row per backup run and per restore drill, written by
-- the backup command (as the cluster's superuser, which pgBackRest needs anyway) in the same
-- transaction that counts every table's rows. A drill restores to that transaction and proves
-- the marker and the counts are there. Not tenant data: no institution's user reads it, and the
-- application role has no grant.

create table backup_marker (
    marker_id   uuid primary key,
    -- 'run': a backup run's snapshot; 'drill': written just before a drill restores the latest.
    kind        text not null check (kind in ('run', 'drill')),
    created_at  timestamptz not null default now()
);

revoke all on backup_marker from public;

create trigger backup_marker_append_only before update or delete on backup_marker
    for each row execute function refuse_log_change();
create trigger backup_marker_no_truncate before truncate on backup_marker
    for each statement execute function refuse_log_change();
