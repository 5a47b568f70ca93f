-- Authentication to the guideline (医療情報システムの安全管理に関するガイドライン 第6.0版):
-- a per-institution security policy, login throttling and lockout, second factors (TOTP and
-- recovery codes), and sessions with a stage, per-institution timeouts and more end reasons.

-- The institution's security policy, as versions; the newest applies to logins and sessions
-- started after it. Nothing is updated in place.
create table security_policy_version (
    tenant_id                       uuid not null references institution (tenant_id),
    version                         integer not null check (version >= 1),
    -- The guideline's floors: 13+ characters with a password alone, 8+ with a second factor.
    password_min_length             integer not null check (password_min_length between 13 and 64),
    password_min_length_two_factor  integer not null check (password_min_length_two_factor between 8 and 64),
    password_min_classes            integer not null check (password_min_classes between 1 and 3),
    lockout_threshold               integer not null check (lockout_threshold between 3 and 20),
    lockout_seconds                 integer not null check (lockout_seconds between 30 and 86400),
    lockout_max_seconds             integer not null check (lockout_max_seconds between lockout_seconds and 604800),
    idle_timeout_seconds            integer not null check (idle_timeout_seconds between 60 and 86400),
    session_lifetime_seconds        integer not null check (session_lifetime_seconds between idle_timeout_seconds and 604800),
    two_factor_roles                text[] not null
        check (two_factor_roles <@ array['doctor', 'nurse', 'clerk', 'admin']::text[]),
    reason                          text not null default '' check (char_length(reason) <= 200),
    author_user_id                  uuid,
    created_at                      timestamptz not null default now(),
    primary key (tenant_id, version)
);
alter table security_policy_version enable row level security;
alter table security_policy_version force row level security;
create policy tenant_isolation on security_policy_version
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
grant select, insert on security_policy_version to karte_app;
create trigger security_policy_version_append_only before update or delete on security_policy_version
    for each row execute function refuse_log_change();
create trigger security_policy_version_no_truncate before truncate on security_policy_version
    for each statement execute function refuse_log_change();

-- Second factors. A TOTP factor holds its RFC 6238 key; it counts once confirmed with a first
-- code and until revoked (by its user, or by an administrator's reset). Rows are never deleted.
create table user_factor (
    tenant_id       uuid not null,
    factor_id       uuid not null,
    user_id         uuid not null,
    kind            text not null check (kind in ('totp')),
    label           text not null check (char_length(label) between 1 and 64),
    secret          bytea not null check (octet_length(secret) between 16 and 64),
    created_at      timestamptz not null default now(),
    confirmed_at    timestamptz,
    -- The last accepted time step: a code is accepted once (no replay within its window).
    last_used_step  bigint,
    last_used_at    timestamptz,
    revoked_at      timestamptz,
    revoked_by      uuid,
    revoke_reason   text check (revoke_reason in ('user', 'admin_reset', 'replaced', 'abandoned')),
    primary key (tenant_id, factor_id),
    foreign key (tenant_id, user_id) references app_user (tenant_id, user_id)
);
create index user_factor_user_idx on user_factor (tenant_id, user_id) where revoked_at is null;
alter table user_factor enable row level security;
alter table user_factor force row level security;
create policy tenant_isolation on user_factor
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
grant select, insert on user_factor to karte_app;
grant update (confirmed_at, last_used_step, last_used_at, revoked_at, revoked_by, revoke_reason)
    on user_factor to karte_app;

-- One-time recovery codes: only their SHA-256 is stored (each code carries 80 bits).
create table recovery_code (
    tenant_id    uuid not null,
    code_id      uuid not null,
    user_id      uuid not null,
    code_hash    bytea not null check (octet_length(code_hash) = 32),
    created_at   timestamptz not null default now(),
    used_at      timestamptz,
    revoked_at   timestamptz,
    primary key (tenant_id, code_id),
    foreign key (tenant_id, user_id) references app_user (tenant_id, user_id)
);
create index recovery_code_user_idx on recovery_code (tenant_id, user_id)
    where used_at is null and revoked_at is null;
alter table recovery_code enable row level security;
alter table recovery_code force row level security;
create policy tenant_isolation on recovery_code
    using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
grant select, insert on recovery_code to karte_app;
grant update (used_at, revoked_at) on recovery_code to karte_app;

-- Sessions: a stage (a password alone gives 'second_factor' or 'enrolment', never 'full' when
-- a second factor is owed), the idle timeout it was started with, and more end reasons.
alter table session add column stage text not null default 'full'
    check (stage in ('full', 'second_factor', 'enrolment'));
alter table session add column idle_seconds integer check (idle_seconds > 0);
alter table session drop constraint session_end_reason_check;
alter table session add constraint session_end_reason_check
    check (end_reason in ('logout', 'idle_timeout', 'expired', 'password_changed', 'user_disabled',
                          'password_reset', 'logout_everywhere', 'factors_reset', 'rotated',
                          'role_changed'));

-- The session check that reads the stage, the idle timeout and the device is defined once, in
-- migration 13 (with the rest of what it checks).

-- Login throttling, keyed by the SHA-256 of "医療機関コード:ログインID" as typed (lower-cased),
-- whether or not such a user exists: an unknown login id is throttled and locked exactly like a
-- real one, so the answers never tell which ids exist. Not tenant data (no tenant_id); only the
-- functions below, owned by karte_system, touch it.
create table login_throttle (
    key_hash         bytea primary key check (octet_length(key_hash) = 32),
    failures         integer not null default 0,
    -- Locks since the last success: each lock lasts twice the one before, up to the maximum.
    locks            integer not null default 0,
    locked_until     timestamptz,
    last_failure_at  timestamptz,
    window_start     timestamptz not null default now(),
    window_attempts  integer not null default 0
);
revoke all on login_throttle from public;
grant select, insert, update on login_throttle to karte_system;
grant select on security_policy_version to karte_system;

-- May this account key try now? Every attempt counts as a failure until it succeeds (so
-- attempts sent in parallel cannot exceed the threshold before their failures are recorded),
-- and counts in the current minute's window. retry_after > 0 means no: locked (now, or by
-- this check when earlier attempts already reached the threshold), or more than p_per_minute
-- attempts this minute.
create function system.login_gate(p_key bytea, p_per_minute integer, p_threshold integer,
                                  p_lock_seconds integer, p_max_seconds integer)
returns table (allowed boolean, retry_after integer, locked boolean)
language plpgsql volatile security definer
set search_path = pg_catalog, public
as $$
declare
    t public.login_throttle%rowtype;
    seconds integer;
begin
    insert into public.login_throttle (key_hash) values (p_key) on conflict (key_hash) do nothing;
    select * into t from public.login_throttle where key_hash = p_key for update;
    -- A day without failures forgets earlier ones.
    if t.last_failure_at is not null and t.last_failure_at < now() - interval '1 day' then
        update public.login_throttle set failures = 0, locks = 0 where key_hash = p_key
            returning * into t;
    end if;
    if t.locked_until is not null and t.locked_until > now() then
        return query select false, greatest(1, ceil(extract(epoch from t.locked_until - now()))::integer), true;
        return;
    end if;
    if t.failures >= p_threshold then
        seconds := least(p_max_seconds::bigint, p_lock_seconds::bigint * (2::bigint ^ least(t.locks, 20)))::integer;
        update public.login_throttle
            set failures = 0, locks = locks + 1, locked_until = now() + make_interval(secs => seconds)
            where key_hash = p_key;
        return query select false, seconds, true;
        return;
    end if;
    if t.window_start <= now() - interval '1 minute' then
        update public.login_throttle set window_start = now(), window_attempts = 1,
            failures = failures + 1, last_failure_at = now()
            where key_hash = p_key;
        return query select true, 0, false;
        return;
    end if;
    if t.window_attempts >= p_per_minute then
        return query select false,
            greatest(1, ceil(extract(epoch from t.window_start + interval '1 minute' - now()))::integer), false;
        return;
    end if;
    update public.login_throttle set window_attempts = window_attempts + 1,
        failures = failures + 1, last_failure_at = now()
        where key_hash = p_key;
    return query select true, 0, false;
end
$$;

-- A failed attempt (already counted by the gate). Returns the lock's length in seconds when
-- the failures reached the threshold and a lock starts, else 0.
create function system.login_failed(p_key bytea, p_threshold integer, p_lock_seconds integer,
                                    p_max_seconds integer)
returns integer
language plpgsql volatile security definer
set search_path = pg_catalog, public
as $$
declare
    t public.login_throttle%rowtype;
    seconds integer;
begin
    select * into t from public.login_throttle where key_hash = p_key for update;
    if not found or t.failures < p_threshold
       or (t.locked_until is not null and t.locked_until > now()) then
        return 0;
    end if;
    seconds := least(p_max_seconds::bigint, p_lock_seconds::bigint * (2::bigint ^ least(t.locks, 20)))::integer;
    update public.login_throttle
        set failures = 0, locks = locks + 1, locked_until = now() + make_interval(secs => seconds)
        where key_hash = p_key;
    return seconds;
end
$$;

-- A complete sign-in: the provisional failure of its attempts is taken back, and the
-- account's earlier failures and locks are forgotten.
create function system.login_succeeded(p_key bytea)
returns void
language sql volatile security definer
set search_path = pg_catalog, public
as $$
    update public.login_throttle set failures = 0, locks = 0, locked_until = null where key_hash = p_key
$$;

-- The lockout settings of the institution a code names (no row: unknown code or no policy
-- yet, and the server uses the guideline defaults).
create function system.login_policy(p_code text)
returns table (lockout_threshold integer, lockout_seconds integer, lockout_max_seconds integer)
language sql stable security definer
set search_path = pg_catalog, public
as $$
    select p.lockout_threshold, p.lockout_seconds, p.lockout_max_seconds
    from public.institution i
    join public.security_policy_version p on p.tenant_id = i.tenant_id
    where i.code = p_code
    order by p.version desc
    limit 1
$$;

-- For the current tenant's administrators (app.tenant_id set by TenantTx): the lock state of
-- their own users, and lifting a lock. No other institution's keys are reachable.
create function system.login_locks()
returns table (user_id uuid, locked_until timestamptz, failures integer)
language sql stable security definer
set search_path = pg_catalog, public
as $$
    select u.user_id, t.locked_until, t.failures
    from public.institution i
    join public.app_user u on u.tenant_id = i.tenant_id
    join public.login_throttle t
      on t.key_hash = sha256(convert_to(i.code || ':' || u.login_id, 'UTF8'))
    where i.tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
$$;

create function system.unlock_login(p_user_id uuid)
returns boolean
language sql volatile security definer
set search_path = pg_catalog, public
as $$
    with target as (
        select sha256(convert_to(i.code || ':' || u.login_id, 'UTF8')) as key_hash
        from public.institution i
        join public.app_user u on u.tenant_id = i.tenant_id
        where i.tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
          and u.user_id = p_user_id
    )
    update public.login_throttle t
        set failures = 0, locks = 0, locked_until = null
        from target where t.key_hash = target.key_hash
    returning true
$$;

do $$
declare
    f text;
begin
    foreach f in array array[
        'system.login_gate(bytea, integer, integer, integer, integer)',
        'system.login_failed(bytea, integer, integer, integer)',
        'system.login_succeeded(bytea)',
        'system.login_policy(text)',
        'system.login_locks()',
        'system.unlock_login(uuid)'
    ] loop
        execute format('alter function %s owner to karte_system', f);
        execute format('revoke all on function %s from public', f);
        execute format('grant execute on function %s to karte_app', f);
    end loop;
end
$$;
