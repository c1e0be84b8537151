# Message ids are reason codes with "." written as "-" (Fluent ids may not contain dots).

## Requests
request-malformed_json = The request body is not valid JSON: { $detail }
request-body_too_large = The request body exceeds the limit of { $limit } bytes.
request-multipart_overhead = The form's part headers and separators exceed the limit of { $max } bytes.
request-too_many_fields = Too many form fields: at most { $max }.
request-unsupported_media_type = The request body must be { $expected }.
request-not_found = Not found, or not yours to see.
request-method_not_allowed = This address does not accept that method.
request-stale = Someone changed this record (you saw version { $expected }, it is now { $current }). Reload and try again.
request-if_match_required = Send the version you saw (its ETag) in an If-Match header to change this record.
request-too_many = Too many attempts. Try again in { $seconds } seconds.
request-internal = Internal server error; nothing was changed. Try again later; if it persists, give the system administrator the X-Request-Id response header.
request-unavailable = The database cannot be reached right now; nothing was changed.

## Fields
field-unknown = Unknown field "{ $field }".
field-invalid_type = Field "{ $field }" has an invalid type or value: { $detail }
field-missing = Missing required field "{ $field }".
field-required = This field is required.
field-too_long = Too long: at most { $max } characters.
field-control_characters = Contains invisible control characters.
query-invalid = Query parameter "{ $field }" is invalid: { $detail }

## Sign-in
auth-required = Please sign in.
auth-invalid_credentials = Wrong username or password.
auth-session_expired = Your session has expired; please sign in again.
auth-forbidden = Your role does not allow this.
auth-password_change_required = Change your initial password first.
password-policy = A password needs at least { $min_length } characters, at least { $min_classes } of lower case, upper case, digit and symbol, and must not contain the username.

## Units
unit-code_format = A unit code uses lower-case letters, digits and hyphens, 2 to 40 characters.
unit-code_taken = The unit code "{ $code }" is already in use.
unit-division_outside_prefecture = The division code must lie in this prefecture ({ $prefecture }).
unit-division_must_be_prefecture = A prefecture-level unit has the division code { $prefecture }.
unit-division_must_be_county = A county-level unit needs a county division code.
unit-division_differs_from_parent = The division must be the parent unit's ({ $parent_division }).
unit-parent_unknown = The parent unit does not exist.
unit-parent_kind = A unit of kind "{ $kind }" cannot sit under a unit of kind "{ $parent_kind }".

## Users
user-username_format = A username has 3 to 32 lower-case letters, digits or . _ -, starting with a letter.
user-username_taken = The username "{ $username }" is already in use.
user-unit_unknown = The unit does not exist.
user-county_format = Jurisdictions are county division codes.

## Command line
cli-demo_refused = The database holds data that is not demo data; refusing to add demo data. Run --demo with a fresh data directory.
cli-admin_created = Created the system administrator { $username }; initial password (shown only this once): { $password }
cli-demo_accounts = Demo accounts (demo only, password { $password }):

## Regulated entities
uscc-format = A unified social credit code has 18 digits and capital letters (no I, O, Z, S or V).
uscc-check_character = The unified social credit code's check character is wrong (GB 32100-2015 gives { $expected }).
uscc-taken = The unified social credit code { $uscc } is already registered.
county_code-unknown = The county must be a county-level division code of this prefecture ({ $prefecture }).
county_code-out_of_scope = You may not register or move entities in { $county }.
industry_code-unknown = Industry code { $code } is not in the GB/T 4754-2017 table.
coordinate-out_of_range = Coordinates out of range (latitude ±90°, longitude ±180°).
outlet-code_duplicate = Outlet code { $code } appears twice.
permit-validity_reversed = The end of validity is before its start.
field-immutable = The field "{ $field }" cannot be changed.

## Certificates
certificate-missing = An enforcement act needs a valid enforcement certificate.
certificate-not_valid = Enforcement certificate { $number } is valid from { $valid_from } to { $valid_until }, not today.

## Passwords
password-current_wrong = The current password is wrong.
password-unchanged = The new password must differ from the current one.

## Pages
ui-app_name = Eco-environmental enforcement platform
ui-prefecture = Xishuangbanna Dai Autonomous Prefecture
ui-demo = Demo data
ui-switch_language = 中文
ui-nav_home = Home
ui-nav_entities = Regulated entities
ui-nav_account = My account
ui-sign_out = Sign out
ui-sign_in = Sign in
ui-username = Username
ui-password = Password
ui-sign_in_title = Sign in to the enforcement platform
ui-password_title = Change password
ui-password_forced = This is an initial password; set a new one first.
ui-current_password = Current password
ui-new_password = New password
ui-save = Save
ui-search = Search
ui-search_hint = Name, credit code, address or legal representative
ui-all_counties = All counties
ui-all_classes = All classes
ui-class_key = Key supervision
ui-class_general = General
ui-uscc = Unified social credit code
ui-name = Name
ui-county = County
ui-industry = Industry
ui-class = Class
ui-address = Address
ui-legal_representative = Legal representative
ui-coordinates = Coordinates
ui-outlets = Outlets
ui-outlet_code = Code
ui-outlet_kind = Kind
ui-permit = Discharge permit
ui-permit_number = Permit number
ui-valid_from = Valid from
ui-valid_until = Valid until
ui-permit_expires_soon = The permit expires within 30 days
ui-permit_expired = The permit has expired
ui-no_permit = No discharge permit
ui-none = None
ui-total = { $total } in all
ui-page = Page { $page } of { $pages }
ui-previous = Previous
ui-next = Next
ui-export_xlsx = Export Excel
ui-export_csv = Export CSV
ui-version = Version
ui-entities_by_county = Regulated entities by county
ui-expiring_certificates = Enforcement certificates expiring within 30 days
ui-no_expiring = None.
ui-officer = Officer
ui-certificate_number = Certificate number
ui-my_sessions = My sessions
ui-this_session = This session
ui-signed_in_at = Signed in
ui-last_seen = Last active
ui-expires = Expires
ui-revoke = Revoke
ui-my_signins = My sign-in history
ui-time = Time
ui-address_ip = From
ui-outcome = Outcome
ui-outcome_success = Success
ui-outcome_failure = Failure
ui-outcome_locked_out = Refused while locked out
ui-outcome_ip_limited = Address limited
ui-outcome_unlock = Unlocked by an administrator
ui-error_title = Something went wrong
ui-back_home = Back to home
ui-confirm_read_title = Open this evidence?
ui-confirm_read_text = You came here from a link outside this platform. Opening evidence is recorded in its chain of custody under your name, so it opens only when you choose to.
ui-confirm_read_open = Open it (recorded)
ui-kind_water = Wastewater
ui-kind_air = Exhaust gas
ui-kind_noise = Noise
ui-kind_solid = Solid waste
ui-total_header = Total
ui-lat = Latitude
ui-lon = Longitude
cli-runtime_failed = Cannot start the runtime: { $detail }
cli-postgres_failed = Connecting to PostgreSQL failed
cli-data_dir_failed = Cannot create the data directory { $path }
cli-sqlite_failed = Opening the SQLite database failed
cli-database_url_unsupported = Unsupported database URL (use postgres://…, or leave it empty for SQLite): { $url }
cli-seed_failed = Seeding the demo failed: { $detail }
cli-bootstrap_failed = Bootstrap failed: { $detail }
cli-listen_failed = Cannot listen on { $address }: { $detail }
cli-address_failed = Cannot read the bound address: { $detail }
cli-server_failed = The server failed: { $detail }
cli-settings_missing = Settings file not found: { $path }
cli-settings_invalid = Reading the settings failed
cli-origin_invalid = ledger.origin must be non-empty and contain no spaces, + or : (it is { $origin })
cli-prefecture_invalid = app.prefecture_code must be a 6-digit division code
cli-calendar_bad_date = The date must be YYYY-MM-DD: { $value }
cli-calendar_bad_n = N must be an integer of at least 1: { $value }
cli-calendar_bad_table = A holiday table is wrong: { $detail }
cli-calendar_missing_year = Warning: there is no State Council holiday table for { $year }; that year is computed with weekends only.
cli-verify_ok = Ledger verified: { $events } events, { $hashes } tree hashes, { $checkpoints } signed checkpoints (each extends the one before); { $blobs } evidence files rehashed (SHA-256 and SM3); every projection table equals the replay of the events.
cli-verify_failed = Ledger verification failed; { $count } problem(s) found:
cli-verify_no_database = No database at { $path }.

## Ledger
ledger-read_only = The ledger is read-only: nothing can be written until it is resumed. Reads still work.
ledger-read_only_resume = This data directory has no signer state, or one older than the database's last checkpoint (signed { $signed }, database { $database }): it was restored. Run `ecoenforce ledger resume --checkpoint FILE` with the last published checkpoint.
ledger-read_only_lost = The database is shorter than what was signed: events { $from } to { $to } are lost. Restore them, or resume from a published checkpoint the database extends.
ledger-read_only_diverged = The database's tree of { $size } events differs from the checkpoint signed at that size.
ledger-no_signer = No checkpoint signer runs in this process.
ledger-not_signer = Another server signs this ledger's checkpoints.
ledger-no_checkpoint = No checkpoint has been signed yet.
ledger-index_out_of_range = "{ $field }" must be an integer from { $min } to { $max }.
ledger-not_in_checkpoint = Entry { $index } is not yet in a signed checkpoint (latest size { $size }); ask POST /api/v1/ledger/checkpoints, or give size.
cli-verifier_key = Ledger verifier key: { $vkey }
cli-ledger_waiting = The ledger is read-only until it is resumed: { $reason }
cli-resume_ok = Resumed: the database's tree extends the checkpoint of { $size } events; signing continues from it.
cli-resume_not_signed = The file is not a checkpoint signed by a key of this ledger.
cli-resume_other_origin = The checkpoint is of another log: { $origin }.
cli-resume_older = The checkpoint ({ $given } events) is older than the database's last checkpoint ({ $database }); give the last published one.
cli-resume_lost = The database is shorter than the checkpoint: events { $from } to { $to } are lost. Nothing was changed; the ledger stays read-only.
cli-resume_diverged = The database's tree of { $size } events differs from the checkpoint. Nothing was changed; the ledger stays read-only.
cli-resume_unreadable = Cannot read the checkpoint file { $path }: { $detail }
cli-rotated = New signing key; checkpoints are signed with it from the next round.
  old: { $old }
  new: { $new }
cli-key_failed = The ledger key: { $detail }
cli-interval_invalid = ledger.checkpoint_interval_ms must be at least 100.
cli-draw_unreadable = Cannot read { $path }: { $detail }
cli-draw_not_json = { $path } is not valid JSON: { $detail }
cli-draw_refused = The draw is refused ({ $code }) at { $path }: { $detail }

## Draw
draw-bad_text = A name or ID is empty or holds a tab, line feed or carriage return (lottery game and issue also no : or |).
draw-id_in_two_strata = An ID may be in only one stratum.
draw-pool_too_small = After exclusions an entity's inspector group holds fewer officers than inspectors_per_entity.
draw-nonce_mismatch = A revealed nonce does not hash to its commit: the draw is refused.
draw-nonce_missing = A party's nonce is not revealed; after the 24-hour window it may be marked "revealed": false.
draw-reveal_window_open = The 24-hour window to reveal the nonce has not passed.
draw-bad_reveal = A nonce is given but marked not revealed.
draw-k_too_large = k is larger than the stratum's pool.
draw-per_entity = inspectors_per_entity must be at least 2.
draw-unknown_group = A stratum names an inspector group that does not exist.
draw-duplicate_name = A stratum or group name appears twice.
draw-no_beacon = Name a drand round, a lottery draw, or both.
draw-no_strata = At least one stratum is needed.
draw-no_groups = At least one inspector group is needed.
draw-no_commits = At least one commit is needed.
draw-bad_hex = Expected 64 lowercase hex digits (or hex for a signature).
draw-algorithm = The algorithm must be shuangsuiji/v1.
draw-drand_signature = The drand signature is not the quicknet signature of the named round.
draw-drand_network = Only the drand quicknet network is accepted.
draw-drand_round = drand rounds start at 1.
draw-drand_key = The embedded drand public key is unreadable.
draw-lottery_numbers = The lottery numbers must be one or more non-empty sets.
draw-bad_input = The input has an unknown, missing or mistyped field.
draw-not_an_object = A draw record is a JSON object.
cli-evidence_url_unsupported = evidence.store_url { $url } needs a build with the s3 feature (cargo build --features s3).

## Evidence
evidence-bad_subject_type = subject_type must be entity (it is { $value }).
evidence-bad_id = Not an ID (UUID).
evidence-bad_type = Unknown evidence type { $value }: documentary, physical, audio_visual, electronic_data, witness_testimony, party_statement, expert_opinion, inspection_record, on_site_record or monitoring_report.
evidence-bad_time = The time must be RFC 3339 with a zone, e.g. 2026-11-29T10:30:00+08:00.
evidence-bad_bool = on_site must be true or false (it is { $value }).
evidence-bad_sha256 = device_sha256 must be 64 hex digits.
evidence-collected_in_future = The collection time is in the future.
evidence-unknown_user = No user { $username }.
evidence-duplicate_person = { $username } is named twice.
evidence-not_an_officer = { $username } is not an enforcement officer: auxiliary and other staff may only assist (assisted_by).
evidence-certificate_not_valid = { $username } has no enforcement certificate valid on { $date }.
evidence-two_officers_required = Evidence taken on site needs at least two officers with valid enforcement certificates; { $count } named.
evidence-already_custodian = { $username } already holds this evidence.
evidence-device_hash_mismatch = The file's SHA-256 ({ $received }) differs from the device's ({ $stated }): nothing was stored, and the event was recorded in the security audit.
evidence-upload_broken = The upload broke off: { $detail }. Nothing was stored; send it again.
evidence-no_store = No evidence store is configured on this server.
evidence-bad_multipart = The multipart form is malformed: { $detail }
evidence-no_file = The form has no file part (it must come last).
upload-offset_mismatch = Upload-Offset { $given } does not match the { $expected } bytes received; ask with HEAD and resume from there.
upload-busy = Another request is writing to this upload right now; ask with HEAD and resume from its offset once it has finished.
upload-bad_metadata = Upload-Metadata must be comma-separated key base64 pairs.
upload-length_required = Send Upload-Length (the file's size in bytes).
upload-tus_version = Send Tus-Resumable: 1.0.0.
upload-content_type = PATCH bodies must be application/offset+octet-stream.
upload-offset_required = Send Upload-Offset.
request-upload_too_large = The file exceeds the limit of { $limit } bytes.

## Evidence pages
ui-evidence_documentary = Documentary evidence
ui-evidence_physical = Physical evidence
ui-evidence_audio_visual = Audio-visual material
ui-evidence_electronic_data = Electronic data
ui-evidence_witness_testimony = Witness testimony
ui-evidence_party_statement = Party statement
ui-evidence_expert_opinion = Expert opinion
ui-evidence_inspection_record = Inspection record
ui-evidence_on_site_record = On-site record
ui-evidence_monitoring_report = Monitoring report
ui-custody_uploaded = Uploaded
ui-custody_viewed = Viewed
ui-custody_downloaded = Downloaded
ui-custody_exported = Exported
ui-custody_transferred = Handed over
ui-back_to_entity = Back to the entity
ui-evidence_type = Type of evidence
ui-on_site = Taken on site
ui-collected_at = Collected at
ui-collected_by = Collecting officers
ui-assisted_by = Assisted by
ui-device = Device
ui-file = File
ui-custodian = Held by
ui-download = Download (recorded)
ui-custody = Chain of custody
ui-custody_note = Every upload, view, download, export and hand-over is an entry in the tamper-evident ledger.
ui-who = Who
ui-what = What
ui-detail = Detail
ui-transfer = Hand over
ui-transfer_to = To officer (username)
ui-reason = Reason
ui-evidence = Evidence
ui-title = Title
ui-size = Size
ui-upload_evidence = Upload evidence
ui-upload = Upload

## Certificates
cert-check_format = The bundle is an ecoenforce certificate (v1)
cert-check_event_hash = The upload event hashes to its event_hash
cert-check_event_names_evidence = The upload event names this evidence and its SHA-256, SM3 and size
cert-check_checkpoint_signature = The checkpoint is signed by the ledger's key
cert-check_inclusion = The upload event is in the signed ledger tree
cert-check_qr = The QR text names the same entry and tree
cert-check_file_sha256 = The file's SHA-256 equals the certificate's
cert-check_file_sm3 = The file's SM3 equals the certificate's
cli-cert_unreadable = Cannot read { $path }: { $detail }
cli-cert_valid = VALID: the certificate holds (the evidence file was not checked; give --file).
cli-cert_valid_with_file = VALID: the certificate holds and the file is the evidence it names.
cli-cert_invalid = NOT VALID: { $count } check(s) failed.
ui-certificate = Evidence certificate
ui-certificate_note = This certificate proves, without our software and without network access, that the file with these hashes was registered in the tamper-evident ledger at the given position, under a signed checkpoint.
ui-ledger_index = Ledger position
ui-signed_checkpoint = Signed checkpoint
ui-certificate_check = Check offline: ecoenforce ledger verify-certificate certificate.json --file <evidence file>, or docs/certificate_check.py.
ui-download_bundle = Download the certificate bundle (JSON)
ui-back_to_evidence = Back to the evidence

## Backup
cli-backup_postgres = admin backup copies SQLite instances. For PostgreSQL use pg_dump (and copy <data-dir>/evidence and <data-dir>/ledger/key); after pg_restore, run ecoenforce ledger resume with the last published checkpoint.
cli-backup_target_not_empty = { $path } is not empty; give a new or empty folder.
cli-backup_failed = The backup or restore failed; nothing was changed at the source: { $detail }
cli-backup_done = Backup in { $path }: database ({ $pages } pages, SQLite backup API), { $files } evidence files, { $keys } ledger key(s), in { $seconds } s. The signer's state is never backed up: after a restore, run ecoenforce ledger resume with the last published checkpoint.
cli-restore_not_a_backup = { $path } holds no ecoenforce.db: not a backup made by admin backup.
cli-restore_target_not_empty = The data dir { $path } is not empty; restore into a new or empty folder.
cli-restore_done = Restored into { $path }. Start the server: it stays read-only until ecoenforce ledger resume --checkpoint FILE is given the last published checkpoint.

## Two-factor sign-in
auth-totp_required = Enter the 6-digit code from your authenticator app (two-factor sign-in).
auth-totp_invalid = The 6-digit code is wrong, expired or already used; wait for the next code.
auth-totp_not_set = This account must sign in with a second factor, and none is set up; ask the security administrator.
ui-totp = Authenticator code (administrators)
cli-admin_totp = Its two-factor secret (TOTP, RFC 6238; shown only this once): { $secret }  —  { $uri }
cli-demo_totp = Demo administrators sign in with a TOTP code from the demo secret { $secret } (demo only).

## Administration
admin-own_account = No administrator may change their own account's access.
admin-role_mix = An administrator role (system, security, audit) cannot be combined with another role.
admin-unknown_role = Unknown role { $role }.
auth-account_disabled = This account is disabled; ask the system administrator.

## Administration pages
ui-admin = Administration
ui-admin_note = The system administrator creates, edits and disables accounts; the security administrator grants roles and jurisdictions. Open an account by its username.
ui-accounts = Accounts
ui-roles = Roles
ui-jurisdiction = Jurisdiction
ui-validity = Valid
ui-disabled = disabled
ui-units = Units
ui-code = Code
ui-audit = Audit
ui-audit_note = Read only; nobody can edit or delete these records.
ui-signin_audit = Sign-in audit (latest 200)
ui-admin_events = Administration events

## Entity import
import-column_repeated = The header "{ $header }" appears twice.
import-column_unknown = The header "{ $header }" of column { $column } is not recognised: use the import template's headers (Chinese or English).
import-column_missing = A required column ({ $key }) is missing: use the import template's headers.
import-number_not_text = This cell is a number, which the spreadsheet may have changed (an 18-character code rounded, say): format the column as text and enter it again.
import-cell_error = The cell holds the error value { $value }.
import-date_invalid = The date "{ $value }" is not recognised; write it as 2026-01-31.
import-number_invalid = Expected decimal degrees such as 21.957300 (at most 6 decimals).
import-class_unknown = The class "{ $value }" is not recognised; use "Key supervision" or "General".
import-kind_unknown = The outlet kind "{ $value }" is not recognised; use water, air, noise or solid.
import-permit_incomplete = The permit's number, start and end date go together: fill in all three or none.
import-demo_unknown = "{ $value }" is not recognised: leave this column empty or write "Demo data".
import-outlet_orphan = The outlet's USCC { $uscc } is not in the entities sheet.
import-uscc_repeated = The USCC repeats row { $first }.
import-too_many_rows = More than { $max } rows: split the file and import the parts.
import-empty = The file holds no entities.
import-more_problems = The first { $shown } problems are listed here and { $count } more; download them all as Excel.
import-encoding = The file's encoding is not recognised: a CSV file must be UTF-8 or GB18030 (GBK).
import-encoding_utf16 = The file is UTF-16: save it from the spreadsheet as "CSV UTF-8".
import-csv_invalid = The CSV is malformed: { $detail }
import-workbook_invalid = The Excel file cannot be read: { $detail }
import-sheet_extra = A workbook holds two sheets (entities, outlets); another sheet has data.
import-outlets_twice = The workbook already has an outlets sheet; do not attach an outlets file as well.
import-file_missing = Choose a file to import.
import-preview_expired = The preview has expired or does not exist; upload the file again.
ui-import = Import
ui-import_title = Import entities
ui-import_hint = Use the export's columns (headers in Chinese or English). The permit takes three columns; outlets go on the workbook's second sheet, or in a second CSV, keyed by the USCC. CSV may be UTF-8 or GB18030. Preview first: if the file has a single problem, not one row is imported.
ui-import_template_xlsx = Download the Excel template
ui-import_template_csv = Download the CSV template (entities)
ui-import_template_outlets_csv = Download the CSV template (outlets)
ui-import_file = Entities file (.xlsx or .csv)
ui-import_outlets_file = Outlets file (.csv, optional)
ui-import_preview = Preview
ui-import_commit = Import now
ui-import_problems = { $count } problems found; nothing was imported. Correct them and upload again.
ui-import_ready = Ready to import: { $entities } entities, { $outlets } outlets, { $permits } permits.
ui-import_done = { $count } entities imported.
ui-sheet = Sheet
ui-row = Row
ui-column = Column
ui-problem = Problem
ui-problem_other_language = 问题
ui-sheet_entities = Entities
ui-sheet_outlets = Outlets
ui-col_outlet_code = Outlet code
ui-col_outlet_kind = Outlet kind
ui-col_outlet_name = Outlet name
ui-export_outlets_csv = Export outlets (CSV)

import-workbook_too_large = The workbook unpacks to more than { $max } MiB and is not read; remove what does not belong or split the file.

## Administration forms
ui-role_system_admin = System administrator
ui-role_security_admin = Security administrator
ui-role_audit_admin = Audit administrator
ui-role_bureau_head = Bureau leader
ui-role_detachment_leader = Detachment leader
ui-role_detachment_officer = Detachment officer
ui-role_brigade_officer = Brigade officer
ui-role_auxiliary_staff = Auxiliary staff
ui-role_legal_reviewer = Legal reviewer
ui-role_liaison = Township or park liaison
ui-role_partner_agency = Partner agency
ui-admin_done = Done.
ui-secret_once = Tell the holder now: this secret is shown only this once and is not recorded.
ui-edit_account = Account
ui-unit = Unit
ui-certificate_title = Enforcement certificate
ui-issuing_authority = Issuing authority
ui-disable = Disable the account
ui-enable = Enable the account
ui-access = Roles and jurisdiction
ui-access_hint = Tick no county for the whole prefecture.
ui-reset_password = Reset the password
ui-reset_totp = Reset the second factor
ui-unlock = Clear the sign-in lock-out
ui-new_account = New account
ui-new_account_hint = A new account has no roles until the security administrator grants them; the initial password is shown once and must be changed at first sign-in.
ui-create = Create
ui-settings = Settings (this duty)
ui-settings_note = The settings in force. Change them in the settings file ecoenforce.toml or the ECOENFORCE__APP__… environment variables; they take effect at restart.
ui-import_problems_xlsx = Download every problem (Excel)
