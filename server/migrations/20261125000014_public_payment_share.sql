-- What the patient pays under a 公費, as the 受給者証 states it: the share (割, 0–3) and the
-- monthly cap (自己負担上限額, yen). The server prices 会計 from these; a 公費 without a share
-- recorded is not applied (the clerk is told).
alter table public_payment_version add column patient_tenths smallint
    check (patient_tenths between 0 and 3);
alter table public_payment_version add column monthly_cap integer
    check (monthly_cap between 0 and 1000000);
