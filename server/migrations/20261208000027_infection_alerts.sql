-- 感染症 (HBV, HCV, 梅毒, HIV, MRSA …) kept on the patient's alert list beside アレルギー・禁忌:
-- versioned the same way, shown in the patient banner on every screen.
alter table allergy_version drop constraint allergy_version_kind_check;
alter table allergy_version add constraint allergy_version_kind_check
    check (kind in ('drug', 'food', 'other', 'infection'));
