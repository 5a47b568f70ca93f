-- Draft revisions per note instead of one sequence shared by every institution: with the shared
-- sequence, an institution could watch another's activity through the gaps in its own
-- revision numbers. Each note now counts its own revisions in note_draft_counter; a revision is
-- still never reused for a note (the counter survives a discarded draft), so a tab holding an
-- old revision can never match a newer draft.
--
-- A note that already existed may have had drafts numbered from the old sequence, and a tab
-- may still hold one of those numbers: its count starts above everything the sequence gave out
-- (the floor recorded here). Notes created after this migration count from 1.

create table note_draft_revision_floor (
    floor       bigint not null check (floor >= 0),
    migrated_at timestamptz not null
);
insert into note_draft_revision_floor (floor, migrated_at)
select case when is_called then last_value else 0 end, now() from note_draft_revision_seq;
grant select on note_draft_revision_floor to karte_app;

create table note_draft_counter (
    tenant_id       uuid not null,
    note_id         uuid not null,
    last_revision   bigint not null check (last_revision >= 1),
    primary key (tenant_id, note_id),
    foreign key (tenant_id, note_id) references clinical_note (tenant_id, note_id)
);
alter table note_draft_counter enable row level security;
alter table note_draft_counter force row level security;
create policy tenant_isolation on note_draft_counter
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
-- A counter, not a record: it only moves up (no delete).
grant select, insert, update on note_draft_counter to karte_app;

revoke usage on sequence note_draft_revision_seq from karte_app;
