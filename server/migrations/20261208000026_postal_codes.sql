-- 郵便番号 → 住所 (日本郵便 KEN_ALL): public reference data shared by every institution, read
-- only by the application, like the billing masters. Each import (karte-server masters postal
-- FILE) is recorded; its addresses replace the previous import's (addresses fill in a form, the
-- patient's record keeps the address as it was saved).

create table master.postal_import (
    seq          integer primary key check (seq >= 1),
    file_name    text not null,
    sha256       text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    rows_read    integer not null,
    addresses    integer not null,
    imported_by  text not null default current_user,
    imported_at  timestamptz not null default now()
);

create table master.postal_address (
    seq          integer not null references master.postal_import (seq),
    code         text not null check (code ~ '^[0-9]{7}$'),
    -- The order of the file, so one code's 町域 are listed as published.
    ord          integer not null,
    prefecture   text not null,
    city         text not null,
    town         text not null,
    primary key (seq, code, city, town)
);
create index postal_address_code_idx on master.postal_address (code, seq);

grant select on master.postal_import, master.postal_address to karte_app;
