-- 所得区分 in the classes a 限度額適用（・標準負担額減額）認定証 states: 低所得者 and 現役並み所得
-- Ⅱ/Ⅰ besides 一般, 一定以上所得 and 現役並み (Ⅲ). The share stays that of 一般 / 現役並み; the
-- class decides the claim's レセプト特記事項 (記録条件仕様 別表9: 区ア〜区オ).

alter table insurance_version drop constraint insurance_version_income_category_check;
alter table insurance_version add constraint insurance_version_income_category_check
    check (income_category in ('general', 'low_income', 'certain', 'active', 'active_2', 'active_1'));
