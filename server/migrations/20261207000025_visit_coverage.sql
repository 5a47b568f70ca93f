-- 保険組合せ per visit: the insurance and the 公費 the clerk chose for the visit at 受付
-- (shared::domain::coverage::Coverage as JSON; null for visits checked in before it was
-- chosen), with how it read then; and on each bill version, the insurance it was priced under,
-- so the claim follows the bill.

alter table reception add column coverage jsonb;
alter table reception add column coverage_label text not null default ''
    check (char_length(coverage_label) <= 200);
alter table bill_version add column insurance_id uuid;

-- A patient's visits, for the 保険組合せ last used per 診療科, the check-in of the same day and
-- the visit before this one.
create index reception_patient_idx on reception (tenant_id, patient_id, visit_date, checked_in_at);
