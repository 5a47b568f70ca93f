-- Month-end claims (レセプト). A filing keeps exactly the claims it filed (the shared
-- claims::month::Claim values as JSON, with their レセプト番号) and the UKE file of each
-- 審査支払機関, byte for byte with its SHA-256. Filing the same 診療年月 again (before the files
-- were sent) is a new version with its reason; nothing is overwritten.

create table claim_filing (
    tenant_id       uuid not null references institution (tenant_id),
    filing_id       uuid not null,
    service_month   date not null check (extract(day from service_month) = 1),
    version         integer not null check (version >= 1),
    billing_month   date not null check (extract(day from billing_month) = 1),
    claims          jsonb not null,
    claim_count     integer not null check (claim_count >= 0),
    total_points    bigint not null check (total_points >= 0),
    reason          text not null default '' check (char_length(reason) <= 200),
    author_user_id  uuid not null,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, filing_id),
    unique (tenant_id, service_month, version),
    check (version = 1 or char_length(reason) > 0)
);

create table claim_file (
    tenant_id   uuid not null,
    filing_id   uuid not null,
    -- 審査支払機関 (別表1): '1' 支払基金, '2' 国保連合会.
    payer       text not null check (payer in ('1', '2')),
    bytes       bytea not null,
    sha256      bytea not null check (octet_length(sha256) = 32),
    primary key (tenant_id, filing_id, payer),
    foreign key (tenant_id, filing_id) references claim_filing (tenant_id, filing_id)
);

-- Which bills each filing carried (a bill no filing carried is 月遅れ for the next one).
create table claim_filing_bill (
    tenant_id      uuid not null,
    filing_id      uuid not null,
    bill_id        uuid not null,
    version        integer not null,
    service_month  date not null,
    primary key (tenant_id, filing_id, bill_id),
    foreign key (tenant_id, filing_id) references claim_filing (tenant_id, filing_id)
);
create index claim_filing_bill_bill_idx on claim_filing_bill (tenant_id, bill_id);

-- 返戻: a filed claim the 審査支払機関 returned, with the reason and the 検索番号 it is filed
-- again with (in a later filing, with its original 診療年月).
create table claim_return (
    tenant_id       uuid not null,
    return_id       uuid not null,
    filing_id       uuid not null,
    payer           text not null check (payer in ('1', '2')),
    claim_number    integer not null check (claim_number >= 1),
    patient_id      uuid not null,
    service_month   date not null check (extract(day from service_month) = 1),
    bills           jsonb not null,
    search_number   text not null check (search_number ~ '^[0-9]{17,30}$'),
    reason          text not null check (char_length(reason) between 1 and 200),
    author_user_id  uuid not null,
    created_at      timestamptz not null default now(),
    primary key (tenant_id, return_id),
    unique (tenant_id, filing_id, payer, claim_number),
    foreign key (tenant_id, filing_id) references claim_filing (tenant_id, filing_id),
    foreign key (tenant_id, patient_id) references patient (tenant_id, patient_id)
);

-- Which filing carried a returned claim again.
create table claim_refiling (
    tenant_id  uuid not null,
    return_id  uuid not null,
    filing_id  uuid not null,
    primary key (tenant_id, return_id, filing_id),
    foreign key (tenant_id, return_id) references claim_return (tenant_id, return_id),
    foreign key (tenant_id, filing_id) references claim_filing (tenant_id, filing_id)
);

do $$
declare t text;
begin
    foreach t in array array['claim_filing', 'claim_file', 'claim_filing_bill', 'claim_return',
                             'claim_refiling']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format('create policy tenant_isolation on %I
            using (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)
            with check (tenant_id = nullif(current_setting(''app.tenant_id'', true), '''')::uuid)', t);
        execute format('create trigger %I before update or delete on %I
            for each row execute function refuse_log_change()', t || '_append_only', t);
    end loop;
end $$;

grant select, insert on claim_filing, claim_file, claim_filing_bill, claim_return, claim_refiling
    to karte_app;

-- The month's bills, by date of service.
create index bill_service_date_idx on bill_version (tenant_id, service_date);
