-- Kantata's own vocabularies and nulls (issue 10).

-- Account permissions: the Swagger's eight names. The two earlier names become the Kantata
-- permissions they stood for.
ALTER TABLE account_memberships DROP CONSTRAINT account_memberships_permission_check;
UPDATE account_memberships SET permission = 'reports_viewer' WHERE permission = 'report_viewer';
UPDATE account_memberships SET permission = 'collaborator' WHERE permission = 'time_approver';
ALTER TABLE account_memberships ADD CONSTRAINT account_memberships_permission_check
    CHECK (permission IN ('administrator', 'reports_viewer_with_cost', 'reports_viewer',
                          'project_lead', 'project_creator', 'collaborator',
                          'external_collaborator', 'punch_clock'));

-- Custom field read access: the Swagger's account-level levels, `account_admin` by default.
ALTER TABLE custom_fields DROP CONSTRAINT custom_fields_read_access_check;
UPDATE custom_fields SET read_access = 'account_collaboration' WHERE read_access = 'all';
UPDATE custom_fields SET read_access = 'account_admin' WHERE read_access = 'account_administration';
ALTER TABLE custom_fields ALTER COLUMN read_access SET DEFAULT 'account_admin';
ALTER TABLE custom_fields ADD CONSTRAINT custom_fields_read_access_check
    CHECK (read_access IN ('account_collaboration', 'project_creator', 'project_lead',
                           'reports_viewer', 'reports_viewer_with_cost', 'account_admin'));

-- A headline is nullable, as in Kantata. Earlier releases stored '' for a missing one, and
-- nothing distinguished that from an explicit '': both become NULL.
ALTER TABLE users ALTER COLUMN headline DROP NOT NULL;
ALTER TABLE users ALTER COLUMN headline DROP DEFAULT;
UPDATE users SET headline = NULL WHERE headline = '';
