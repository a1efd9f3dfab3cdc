CREATE TABLE accounts (
    id          BIGINT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE roles (
    id          BIGINT PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    deleted_at  TIMESTAMPTZ
);

CREATE TABLE users (
    id                   BIGINT PRIMARY KEY,
    account_id           BIGINT NOT NULL REFERENCES accounts (id),
    full_name            TEXT NOT NULL,
    email_address        TEXT NOT NULL,
    headline             TEXT NOT NULL DEFAULT '',
    bio                  TEXT,
    website              TEXT,
    city                 TEXT,
    state                TEXT,
    country              TEXT,
    abbreviated_timezone TEXT,
    classification       TEXT CHECK (classification IN ('Internal', 'External')),
    last_site_activity   TIMESTAMPTZ,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    generic              BOOLEAN NOT NULL DEFAULT FALSE,
    manager_id           BIGINT REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED,
    role_id              BIGINT REFERENCES roles (id),
    photo_id             TEXT,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_account ON users (account_id, full_name);

CREATE TABLE account_memberships (
    id          BIGINT PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    user_id     BIGINT NOT NULL REFERENCES users (id),
    permission  TEXT NOT NULL CHECK (permission IN ('administrator', 'project_lead', 'report_viewer',
                                                    'punch_clock', 'collaborator', 'time_approver')),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (account_id, user_id)
);
CREATE INDEX account_memberships_user ON account_memberships (user_id);

CREATE TABLE skills (
    id          BIGINT PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    name        TEXT NOT NULL,
    description TEXT,
    max_level   INTEGER NOT NULL DEFAULT 5,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE skill_memberships (
    id          BIGINT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    skill_id    BIGINT NOT NULL REFERENCES skills (id),
    level       INTEGER CHECK (level BETWEEN 1 AND 5),
    creator_id  BIGINT REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX skill_memberships_user ON skill_memberships (user_id);

CREATE TABLE work_samples (
    id                  BIGINT PRIMARY KEY,
    user_id             BIGINT NOT NULL REFERENCES users (id),
    title               TEXT NOT NULL,
    description         TEXT,
    website_url         TEXT,
    trapped_website_url TEXT,
    attachment_id       BIGINT,
    attachment_filename TEXT,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX work_samples_user ON work_samples (user_id);

CREATE TABLE custom_fields (
    id          BIGINT PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    name        TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('string', 'date', 'number', 'currency', 'single', 'multi')),
    read_access TEXT NOT NULL CHECK (read_access IN ('all', 'account_collaboration', 'account_administration')),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE custom_field_values (
    id              BIGINT PRIMARY KEY,
    custom_field_id BIGINT NOT NULL REFERENCES custom_fields (id),
    subject_type    TEXT NOT NULL CHECK (subject_type = 'User'),
    subject_id      BIGINT NOT NULL REFERENCES users (id),
    value           TEXT NOT NULL,
    display_value   TEXT NOT NULL,
    setter_id       BIGINT REFERENCES users (id),
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX custom_field_values_subject ON custom_field_values (subject_id);

CREATE TABLE external_references (
    id                BIGINT PRIMARY KEY,
    subject_type      TEXT NOT NULL CHECK (subject_type = 'User'),
    subject_id        BIGINT NOT NULL REFERENCES users (id),
    service_name      TEXT NOT NULL,
    service_model     TEXT NOT NULL,
    service_model_ref TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'successful', 'failed')),
    external_link     TEXT,
    external_message  TEXT,
    external_status   TEXT,
    locked            BOOLEAN NOT NULL DEFAULT FALSE,
    last_synced_at    TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX external_references_subject ON external_references (subject_id);

CREATE TABLE api_tokens (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
