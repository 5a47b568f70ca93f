-- Foundation: institutions (tenants), users, sessions, and the few cross-tenant functions.
--
-- Roles (created by `karte-server db bootstrap`, which needs a superuser once):
--   karte_owner   owns every object and runs migrations;
--   karte_app     the server's role: NOSUPERUSER NOBYPASSRLS, not the owner, DML grants only;
--   karte_system  NOLOGIN BYPASSRLS; owns only the SECURITY DEFINER functions in schema
--                 `system`, which are the named cross-tenant paths (login lookup, session check).
--
-- Every tenant table leads its key with tenant_id and is under FORCE ROW LEVEL SECURITY, bound
-- to the transaction-local setting app.tenant_id (set by TenantTx in the server).

create table institution (
    tenant_id   uuid primary key,
    code        text not null unique check (code ~ '^[0-9]{10}$'),
    name        text not null check (char_length(name) between 1 and 100),
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

create table app_user (
    tenant_id             uuid not null references institution (tenant_id),
    user_id               uuid not null,
    login_id              text not null check (login_id ~ '^[a-z0-9._-]{3,32}$'),
    display_name          text not null check (char_length(display_name) between 1 and 64),
    role                  text not null check (role in ('doctor', 'nurse', 'clerk', 'admin')),
    password_hash         text not null check (password_hash like '$argon2id$%'),
    must_change_password  boolean not null default true,
    password_changed_at   timestamptz,
    disabled_at           timestamptz,
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now(),
    primary key (tenant_id, user_id),
    constraint app_user_login_id_key unique (tenant_id, login_id)
);

create table session (
    tenant_id     uuid not null,
    session_id    uuid not null,
    user_id       uuid not null,
    -- SHA-256 of the cookie token; the token itself is never stored.
    token_hash    bytea not null check (octet_length(token_hash) = 32),
    csrf_token    text not null,
    created_at    timestamptz not null default now(),
    last_seen_at  timestamptz not null default now(),
    expires_at    timestamptz not null,
    ended_at      timestamptz,
    end_reason    text check (end_reason in ('logout', 'idle_timeout', 'expired', 'password_changed',
                                             'user_disabled', 'password_reset')),
    primary key (tenant_id, session_id),
    foreign key (tenant_id, user_id) references app_user (tenant_id, user_id),
    constraint session_token_hash_key unique (token_hash)
);
create index session_user_idx on session (tenant_id, user_id) where ended_at is null;

-- Row-level security: enabled and forced (so even the owner is bound), one policy per table.
alter table institution enable row level security;
alter table institution force row level security;
create policy tenant_isolation on institution
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

alter table app_user enable row level security;
alter table app_user force row level security;
create policy tenant_isolation on app_user
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

alter table session enable row level security;
alter table session force row level security;
create policy tenant_isolation on session
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

-- The application role: data manipulation only, and no DELETE anywhere (nothing is erased;
-- sessions end, users are disabled).
grant usage on schema public to karte_app;
grant select, insert on institution to karte_app;
grant select, insert, update on app_user to karte_app;
grant select, insert, update on session to karte_app;

-- Cross-tenant paths. Each is a SECURITY DEFINER function owned by karte_system (BYPASSRLS),
-- with a pinned search_path, returning only what the caller needs.
create schema system authorization karte_system;
revoke all on schema system from public;
grant usage on schema system to karte_app;
grant select on institution, app_user to karte_system;
grant select, update on session to karte_system;

-- Login lookup: who would this institution code + login id be? (No password check here: the
-- server verifies the argon2id hash itself, and answers the same for "no such user".)
create function system.login_candidate(p_code text, p_login_id text)
returns table (tenant_id uuid, user_id uuid, role text, password_hash text, disabled boolean)
language sql stable security definer
set search_path = pg_catalog, public
as $$
    select u.tenant_id, u.user_id, u.role, u.password_hash, u.disabled_at is not null
    from public.institution i
    join public.app_user u on u.tenant_id = i.tenant_id
    where i.code = p_code and u.login_id = p_login_id
$$;
alter function system.login_candidate(text, text) owner to karte_system;
revoke all on function system.login_candidate(text, text) from public;
grant execute on function system.login_candidate(text, text) to karte_app;

-- Session check: resolves a cookie's token hash to its tenant and user, enforcing the idle
-- timeout and absolute lifetime with the database clock, and touches last_seen_at.
-- status: 'ok' or 'expired' (ended now, or earlier for a reason other than logout);
-- no row for unknown, logged-out or disabled-user sessions.
create function system.authenticate_session(p_token_hash bytea, p_idle_seconds integer)
returns table (status text, tenant_id uuid, session_id uuid, user_id uuid, role text,
               must_change_password boolean, csrf_token text)
language plpgsql volatile security definer
set search_path = pg_catalog, public
as $$
declare
    s public.session%rowtype;
    u public.app_user%rowtype;
begin
    select * into s from public.session where token_hash = p_token_hash for update;
    if not found then
        return;
    end if;
    select * into u from public.app_user where app_user.tenant_id = s.tenant_id and app_user.user_id = s.user_id;
    if u.disabled_at is not null or s.end_reason in ('logout', 'user_disabled', 'password_reset') then
        return;
    end if;
    if s.ended_at is null and s.expires_at <= now() then
        update public.session set ended_at = now(), end_reason = 'expired'
            where session.tenant_id = s.tenant_id and session.session_id = s.session_id;
        s.ended_at := now();
    elsif s.ended_at is null and s.last_seen_at + make_interval(secs => p_idle_seconds) <= now() then
        update public.session set ended_at = now(), end_reason = 'idle_timeout'
            where session.tenant_id = s.tenant_id and session.session_id = s.session_id;
        s.ended_at := now();
    end if;
    if s.ended_at is not null then
        return query select 'expired'::text, s.tenant_id, s.session_id, s.user_id, u.role,
                            u.must_change_password, ''::text;
        return;
    end if;
    -- Touch at most every 15 s so a burst of requests is not a burst of writes.
    if s.last_seen_at < now() - interval '15 seconds' then
        update public.session set last_seen_at = now()
            where session.tenant_id = s.tenant_id and session.session_id = s.session_id;
    end if;
    return query select 'ok'::text, s.tenant_id, s.session_id, s.user_id, u.role,
                        u.must_change_password, s.csrf_token;
end
$$;
alter function system.authenticate_session(bytea, integer) owner to karte_system;
revoke all on function system.authenticate_session(bytea, integer) from public;
grant execute on function system.authenticate_session(bytea, integer) to karte_app;
