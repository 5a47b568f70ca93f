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

do $$
declare t text;
begin
    foreach t in array array['claim_filing', 'claim_file']
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

grant select, insert on claim_filing, claim_file to karte_app;

-- The month's bills, by date of service.
create index bill_service_date_idx on bill_version (tenant_id, service_date);
