-- Disabling a principal and its calls are serialized (0015): no call of a
-- principal commits after the disable commits. Two or three sessions at a
-- time, through dblink (from PostgreSQL's contrib, installed with it): this
-- session, as the owner, steps the others and watches pg_locks. Before
-- 0015 the disables below did not wait (disable_waits is f after 10 s of
-- polling), so a call committed after the disable that should have
-- stopped it.
\ir fixtures.psql
\c - ssc_owner
CREATE EXTENSION dblink;
SELECT format('host=%s port=%s dbname=%s user=ssc_app', :'HOST', :'PORT', :'DBNAME') AS app,
       format('host=%s port=%s dbname=%s user=ssc_owner', :'HOST', :'PORT', :'DBNAME') AS owner \gset
-- Whether backend pid waits for a lock, polled for up to 10 s (pg_locks
-- is read afresh on every call, unlike pg_stat_activity in a transaction).
CREATE FUNCTION pg_temp.waits_for_lock(p_pid int) RETURNS boolean
  LANGUAGE plpgsql
AS $$
BEGIN
  FOR i IN 1..1000 LOOP
    IF EXISTS (SELECT FROM pg_locks l WHERE l.pid = p_pid AND NOT l.granted) THEN
      RETURN true;
    END IF;
    PERFORM pg_sleep(0.01);
  END LOOP;
  RETURN false;
END
$$;
-- "call" is a call of some principal, "admin" an admin's call, both as
-- ssc_app as sscd makes them; "owner" is the owner's SQL.
SELECT dblink_connect('call', :'app') AS call, dblink_connect('admin', :'app') AS admin,
       dblink_connect('owner', :'owner') AS owner;
SELECT c.pid AS call_pid, a.pid AS admin_pid, o.pid AS owner_pid
  FROM dblink('call', 'SELECT pg_backend_pid()') AS c (pid int),
       dblink('admin', 'SELECT pg_backend_pid()') AS a (pid int),
       dblink('owner', 'SELECT pg_backend_pid()') AS o (pid int) \gset

-- 1. Principals/Disable while a call is in flight. A call of CN=dea
-- (principal 2) has passed begin_call ...
SELECT dblink_exec('call', 'BEGIN');
SELECT * FROM dblink('call', $$SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}',
                                 '/ssc.v1.Organisations/Update')$$) AS t (role text);
-- ... when an admin disables principal 2: the disable waits for the call's
-- lock.
SELECT dblink_send_query('admin', $$SELECT ssc.principal_disable('', NULL, 2)->>'active'
                                      FROM ssc.begin_call('', 'CN=admin', '{admin}',
                                                          '/ssc.v1.Principals/Disable')$$);
SELECT pg_temp.waits_for_lock(:admin_pid) AS disable_waits;
SELECT locktype, mode FROM pg_locks WHERE pid = :admin_pid AND NOT granted;
-- The call goes on: its idempotency key's foreign-key check (FOR KEY SHARE
-- on principal 2's row) does not wait for the waiting disable. It commits.
SELECT * FROM dblink('call', $$SELECT o->>'short_name'
                                 FROM ssc.org_update('dea-1', sha256('dea-1'), 2, 0, '{short_name}',
                                                     '', 'ENS', '', 0) o$$) AS t (short_name text);
SELECT dblink_exec('call', 'COMMIT');
-- Then the disable goes on and commits.
SELECT * FROM dblink_get_result('admin') AS t (active text);
SELECT * FROM dblink_get_result('admin') AS t (active text);
-- The call's entry comes before the disable's: the call committed first
-- (entries are appended under the head row's lock, held to commit).
SELECT seq, principal, method, entity, entity_id FROM ssc.audit WHERE seq > 13 ORDER BY seq;
-- Principal 2's next call is refused.
SELECT * FROM dblink('call', $$SELECT role FROM ssc.begin_call('', 'CN=dea', '{ministry}',
                                 '/ssc.v1.Organisations/Get')$$) AS t (role text);

-- 2. Every way of disabling waits, not only principal_disable: the owner's
-- UPDATE by hand waits for a call of CN=secretariat (principal 4) in
-- flight, and commits after it.
SELECT dblink_exec('call', 'BEGIN');
SELECT * FROM dblink('call', $$SELECT role FROM ssc.begin_call('', 'CN=secretariat', '{secretariat}',
                                 '/ssc.v1.Organisations/Update')$$) AS t (role text);
SELECT dblink_send_query('owner', 'UPDATE ssc.principals SET active = false WHERE id = 4');
SELECT pg_temp.waits_for_lock(:owner_pid) AS disable_waits;
SELECT * FROM dblink('call', $$SELECT o->>'short_name'
                                 FROM ssc.org_update('', NULL, 5, 0, '{short_name}', '', 'NEA-CN', '', 0) o$$)
  AS t (short_name text);
SELECT dblink_exec('call', 'COMMIT');
SELECT * FROM dblink_get_result('owner') AS t (status text);
SELECT * FROM dblink_get_result('owner') AS t (status text);
SELECT seq, principal, method, entity, entity_id FROM ssc.audit WHERE seq > 15 ORDER BY seq;

-- 3. A call that arrives while a disable is under way (here the owner's,
-- of CN=dea-payroll, principal 6, not yet committed) waits for it, then
-- finds no active principal.
SELECT dblink_exec('owner', 'BEGIN');
SELECT dblink_exec('owner', 'UPDATE ssc.principals SET active = false WHERE id = 6');
SELECT dblink_send_query('call', $$SELECT role FROM ssc.begin_call('', 'CN=dea-payroll', '{reconciler}',
                                     '/ssc.v1.Organisations/Get')$$);
SELECT pg_temp.waits_for_lock(:call_pid) AS call_waits;
SELECT dblink_exec('owner', 'COMMIT');
SELECT * FROM dblink_get_result('call', false) AS t (role text);
SELECT * FROM dblink_get_result('call') AS t (role text);

-- 4. Under REPEATABLE READ a call's snapshot may predate a disable that
-- committed before its begin_call: begin_call then fails with 40001 (sscd
-- retries it in a new transaction, where the principal is gone) rather
-- than admit the disabled principal. Principal 7 is the fingerprint robot.
SELECT dblink_exec('call', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT * FROM dblink('call', 'SELECT 1') AS t (snapshot_taken int);
SELECT * FROM dblink('admin', $$SELECT ssc.principal_disable('', NULL, 7)->>'active'
                                  FROM ssc.begin_call('', 'CN=admin', '{admin}',
                                                      '/ssc.v1.Principals/Disable')$$) AS t (active text);
SELECT * FROM dblink('call', $$SELECT role FROM ssc.begin_call(repeat('a', 64), '', '{ministry}',
                                 '/ssc.v1.Organisations/Get')$$) AS t (role text);
SELECT dblink_exec('call', 'ROLLBACK');
SELECT * FROM dblink('call', $$SELECT role FROM ssc.begin_call(repeat('a', 64), '', '{ministry}',
                                 '/ssc.v1.Organisations/Get')$$) AS t (role text);

-- 5. An admin disabling itself holds its own call's lock shared and takes
-- it exclusive: no other holder, so no wait and no deadlock.
SELECT * FROM dblink('admin', $$SELECT ssc.principal_add('', NULL, 'CN=admin-2', '', 0, 'admin',
                                                          'Second operator')->>'id'
                                  FROM ssc.begin_call('', 'CN=admin', '{admin}',
                                                      '/ssc.v1.Principals/Add')$$) AS t (id text);
SELECT * FROM dblink('admin', $$SELECT ssc.principal_disable('', NULL, 1)->>'active'
                                  FROM ssc.begin_call('', 'CN=admin', '{admin}',
                                                      '/ssc.v1.Principals/Disable')$$) AS t (active text);

SELECT dblink_disconnect('call'), dblink_disconnect('admin'), dblink_disconnect('owner');
SELECT id, active FROM ssc.principals ORDER BY id;
SELECT ssc.audit_verify();
