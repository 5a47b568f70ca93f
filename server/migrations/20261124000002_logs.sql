-- Access log and audit log: append-only, hash-chained per institution.
--
-- Each row carries prev_hash (the previous row's row_hash in the same institution's chain, 32
-- zero bytes for the first) and row_hash = SHA-256(prev_hash || canonical encoding of the row),
-- computed by the server (server/src/logs/chain.rs). log_chain holds each chain's head; writers
-- lock it, so concurrent writers (also on several servers) cannot fork a chain, and the head
-- reveals a deleted tail. Requests with no known institution are logged under the nil uuid.

create table log_chain (
    tenant_id  uuid not null,
    log        text not null check (log in ('access', 'audit')),
    last_seq   bigint not null check (last_seq >= 0),
    last_hash  bytea not null check (octet_length(last_hash) = 32),
    -- Rows 1..archived_through_seq have been moved to an archive; verification of the live
    -- rows starts after them, from archived_through_hash (the last archived row's hash).
    archived_through_seq  bigint not null default 0 check (archived_through_seq >= 0),
    archived_through_hash bytea not null default '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea
        check (octet_length(archived_through_hash) = 32),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, log)
);

create table access_log (
    tenant_id        uuid not null,
    seq              bigint not null check (seq >= 1),
    logged_at        timestamptz not null,
    user_id          uuid,
    session_id       uuid,
    client_ip        text,
    client_cert_sha256 text,
    method           text not null,
    route            text not null,
    patient_id       uuid,
    status           smallint not null,
    duration_ms      integer not null check (duration_ms >= 0),
    prev_hash        bytea not null check (octet_length(prev_hash) = 32),
    row_hash         bytea not null check (octet_length(row_hash) = 32),
    primary key (tenant_id, seq)
);
create index access_log_time_idx on access_log (tenant_id, logged_at);
create index access_log_user_idx on access_log (tenant_id, user_id, seq);
create index access_log_patient_idx on access_log (tenant_id, patient_id, seq) where patient_id is not null;

create table audit_log (
    tenant_id      uuid not null,
    seq            bigint not null check (seq >= 1),
    logged_at      timestamptz not null,
    actor_user_id  uuid,
    session_id     uuid,
    client_ip      text,
    action         text not null,
    result         text not null check (result in ('success', 'failure')),
    target_type    text,
    target_id      text,
    -- What changed: codes and ids only, never passwords, secrets, tokens or clinical text.
    details        jsonb not null default '{}'::jsonb,
    prev_hash      bytea not null check (octet_length(prev_hash) = 32),
    row_hash       bytea not null check (octet_length(row_hash) = 32),
    primary key (tenant_id, seq)
);
create index audit_log_time_idx on audit_log (tenant_id, logged_at);
create index audit_log_action_idx on audit_log (tenant_id, action, seq);
create index audit_log_actor_idx on audit_log (tenant_id, actor_user_id, seq);

alter table log_chain enable row level security;
alter table log_chain force row level security;
create policy tenant_isolation on log_chain
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

alter table access_log enable row level security;
alter table access_log force row level security;
create policy tenant_isolation on access_log
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

alter table audit_log enable row level security;
alter table audit_log force row level security;
create policy tenant_isolation on audit_log
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

-- Append-only: the application role may read and add, nothing else; and a trigger refuses
-- UPDATE, DELETE and TRUNCATE for every role, so changing a row takes a deliberate act
-- (disabling the trigger as the owner), which the hash chain then reveals.
grant select, insert on access_log, audit_log to karte_app;
-- The writers move a chain's head; only the owner (archiving) may move its archive anchor.
grant select, insert, update (last_seq, last_hash, updated_at) on log_chain to karte_app;

create function refuse_log_change() returns trigger
language plpgsql as $$
begin
    raise exception 'logs are append-only: % on % refused', tg_op, tg_table_name
        using errcode = 'insufficient_privilege';
end
$$;

create trigger access_log_append_only before update or delete on access_log
    for each row execute function refuse_log_change();
create trigger access_log_no_truncate before truncate on access_log
    for each statement execute function refuse_log_change();
create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function refuse_log_change();
create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function refuse_log_change();

-- The verifier walks every institution's chains: which chains exist is the one cross-tenant
-- fact it needs (the rows themselves it reads per tenant, under row-level security).
grant select on log_chain to karte_system;
create function system.log_chains()
returns table (tenant_id uuid, log text)
language sql stable security definer
set search_path = pg_catalog, public
as $$
    select tenant_id, log from public.log_chain order by tenant_id, log
$$;
alter function system.log_chains() owner to karte_system;
revoke all on function system.log_chains() from public;
grant execute on function system.log_chains() to karte_app;

-- A failed login is audited in the institution it was aimed at, when its code exists.
create function system.institution_by_code(p_code text)
returns uuid
language sql stable security definer
set search_path = pg_catalog, public
as $$
    select tenant_id from public.institution where code = p_code
$$;
alter function system.institution_by_code(text) owner to karte_system;
revoke all on function system.institution_by_code(text) from public;
grant execute on function system.institution_by_code(text) to karte_app;
