-- Kantata's own vocabularies and nulls (issue 10). SQLite cannot alter a CHECK constraint or
-- a NOT NULL, so the three tables are rebuilt (SQLite's documented procedure: the migration
-- runs with foreign keys off, and a foreign key check before commit).

-- Account permissions: the Swagger's eight names. The two earlier names become the Kantata
-- permissions they stood for.
CREATE TABLE account_memberships_new (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    permission  TEXT NOT NULL CHECK (permission IN ('administrator', 'reports_viewer_with_cost',
                                                    'reports_viewer', 'project_lead',
                                                    'project_creator', 'collaborator',
                                                    'external_collaborator', 'punch_clock')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (account_id, user_id)
);
INSERT INTO account_memberships_new
    SELECT id, account_id, user_id,
           CASE permission WHEN 'report_viewer' THEN 'reports_viewer'
                           WHEN 'time_approver' THEN 'collaborator'
                           ELSE permission END,
           created_at, updated_at
    FROM account_memberships;
DROP TABLE account_memberships;
ALTER TABLE account_memberships_new RENAME TO account_memberships;
CREATE INDEX account_memberships_user ON account_memberships (user_id);

-- Custom field read access: the Swagger's account-level levels, `account_admin` by default.
CREATE TABLE custom_fields_new (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    name        TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('string', 'date', 'number', 'currency', 'single', 'multi')),
    read_access TEXT NOT NULL DEFAULT 'account_admin'
                CHECK (read_access IN ('account_collaboration', 'project_creator', 'project_lead',
                                       'reports_viewer', 'reports_viewer_with_cost', 'account_admin')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
INSERT INTO custom_fields_new
    SELECT id, account_id, name, type,
           CASE read_access WHEN 'all' THEN 'account_collaboration'
                            WHEN 'account_administration' THEN 'account_admin'
                            ELSE read_access END,
           created_at, updated_at
    FROM custom_fields;
DROP TABLE custom_fields;
ALTER TABLE custom_fields_new RENAME TO custom_fields;

-- A headline is nullable, as in Kantata. Earlier releases stored '' for a missing one, and
-- nothing distinguished that from an explicit '': both become NULL.
CREATE TABLE users_new (
    id                   INTEGER PRIMARY KEY,
    account_id           INTEGER NOT NULL REFERENCES accounts (id),
    full_name            TEXT NOT NULL,
    email_address        TEXT NOT NULL,
    headline             TEXT,
    bio                  TEXT,
    website              TEXT,
    city                 TEXT,
    state                TEXT,
    country              TEXT,
    abbreviated_timezone TEXT,
    classification       TEXT CHECK (classification IN ('Internal', 'External')),
    last_site_activity   TEXT,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    generic              BOOLEAN NOT NULL DEFAULT FALSE,
    manager_id           INTEGER REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED,
    role_id              INTEGER REFERENCES roles (id),
    photo_id             TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
INSERT INTO users_new
    SELECT id, account_id, full_name, email_address, NULLIF(headline, ''), bio, website, city,
           state, country, abbreviated_timezone, classification, last_site_activity, disabled,
           generic, manager_id, role_id, photo_id, created_at, updated_at
    FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_account ON users (account_id, full_name);
