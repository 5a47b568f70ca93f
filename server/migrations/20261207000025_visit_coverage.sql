-- 保険組合せ per visit: the insurance and the 公費 the clerk chose for the visit at 受付
-- (shared::domain::coverage::Coverage as JSON; null for visits checked in before it was
-- chosen), with how it read then; and on each bill version, the insurance it was priced under,
-- so the claim follows the bill.

alter table reception add column coverage jsonb;
alter table reception add column coverage_label text not null default ''
    check (char_length(coverage_label) <= 200);
alter table bill_version add column insurance_id uuid;
