# Message ids are reason codes with "." written as "-" (Fluent ids may not contain dots).

## Requests
request-malformed_json = The request body is not valid JSON: { $detail }
request-body_too_large = The request body exceeds the limit of { $limit } bytes.
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
