# Message ids are reason codes with "." written as "-" (Fluent ids may not contain dots).

## Requests
request-malformed_json = 请求体不是有效的 JSON：{ $detail }
request-body_too_large = 请求体超过 { $limit } 字节的上限。
request-multipart_overhead = 表单各部分的头部与分隔内容超过 { $max } 字节的上限。
request-too_many_fields = 表单字段过多，最多 { $max } 个。
request-unsupported_media_type = 请求体的类型应为 { $expected }。
request-not_found = 找不到该资源，或您无权查看。
request-method_not_allowed = 该地址不支持此请求方法。
request-stale = 数据已被他人修改（您看到的是第 { $expected } 版，当前为第 { $current } 版），请刷新后重试。
request-if_match_required = 修改前请在 If-Match 请求头中提供您看到的版本（ETag）。
request-too_many = 尝试次数过多，请 { $seconds } 秒后再试。
request-internal = 服务器内部错误，操作未生效。请稍后重试；如仍失败，请联系系统管理员并提供响应头 X-Request-Id 中的请求编号。
request-unavailable = 数据库暂时无法访问，操作未生效。

## Fields
field-unknown = 未知字段“{ $field }”。
field-invalid_type = 字段“{ $field }”的类型或取值无效：{ $detail }
field-missing = 缺少必填字段“{ $field }”。
field-required = 此项为必填项。
field-too_long = 内容过长，最多 { $max } 个字符。
field-control_characters = 内容含有不可见的控制字符。
query-invalid = 查询参数“{ $field }”无效：{ $detail }

## Sign-in
auth-required = 请先登录。
auth-invalid_credentials = 用户名或密码错误。
auth-session_expired = 登录已过期，请重新登录。
auth-forbidden = 您的角色无权执行此操作。
auth-password_change_required = 请先修改初始密码。
password-policy = 密码至少 { $min_length } 个字符，须包含小写字母、大写字母、数字、符号中的至少 { $min_classes } 类，且不得包含用户名。

## Units
unit-code_format = 单位代码只能使用小写字母、数字和连字符，长度 2–40。
unit-code_taken = 单位代码“{ $code }”已被使用。
unit-division_outside_prefecture = 行政区划代码必须属于本州（{ $prefecture }）。
unit-division_must_be_prefecture = 州级单位的行政区划代码必须是 { $prefecture }。
unit-division_must_be_county = 县级单位须填写县（市）行政区划代码。
unit-division_differs_from_parent = 行政区划须与上级单位一致（{ $parent_division }）。
unit-parent_unknown = 上级单位不存在。
unit-parent_kind = “{ $kind }”类单位不能隶属于“{ $parent_kind }”类单位。

## Users
user-username_format = 用户名须为 3–32 位小写字母、数字或 . _ -，并以字母开头。
user-username_taken = 用户名“{ $username }”已被使用。
user-unit_unknown = 所属单位不存在。
user-county_format = 管辖范围须为县（市）行政区划代码。

## Command line
cli-demo_refused = 数据库中已有非演示数据，拒绝写入演示数据。请使用新的数据目录运行 --demo。
cli-admin_created = 已创建系统管理员账号 { $username }，初始密码（仅显示这一次）：{ $password }
cli-demo_accounts = 演示账号（仅供演示，密码 { $password }）：

## Regulated entities
uscc-format = 统一社会信用代码应为 18 位，只含数字和大写字母（不含 I、O、Z、S、V）。
uscc-check_character = 统一社会信用代码校验位错误（按 GB 32100-2015 应为 { $expected }）。
uscc-taken = 统一社会信用代码 { $uscc } 已登记。
county_code-unknown = 所在县（市）须为本州（{ $prefecture }）的县级行政区划代码。
county_code-out_of_scope = 您无权在 { $county } 登记或迁入监管对象。
industry_code-unknown = 行业代码 { $code } 不在 GB/T 4754-2017 行业分类表中。
coordinate-out_of_range = 坐标超出有效范围（纬度 ±90°，经度 ±180°）。
outlet-code_duplicate = 排放口编号 { $code } 重复。
permit-validity_reversed = 有效期截止日期早于起始日期。
field-immutable = 字段“{ $field }”不可修改。

## Certificates
certificate-missing = 实施执法行为须持有有效的行政执法证。
certificate-not_valid = 行政执法证 { $number } 的有效期为 { $valid_from } 至 { $valid_until }，今日不在有效期内。

## Passwords
password-current_wrong = 当前密码不正确。
password-unchanged = 新密码不能与当前密码相同。

## Pages
ui-app_name = 生态环境综合执法平台
ui-prefecture = 西双版纳傣族自治州
ui-demo = 演示数据
ui-switch_language = English
ui-nav_home = 首页
ui-nav_entities = 监管对象
ui-nav_account = 我的账号
ui-sign_out = 退出登录
ui-sign_in = 登录
ui-username = 用户名
ui-password = 密码
ui-sign_in_title = 登录执法平台
ui-password_title = 修改密码
ui-password_forced = 这是初始密码，请先设置新密码。
ui-current_password = 当前密码
ui-new_password = 新密码
ui-save = 保存
ui-search = 搜索
ui-search_hint = 名称、信用代码、地址或法定代表人
ui-all_counties = 全部县（市）
ui-all_classes = 全部类别
ui-class_key = 重点监管
ui-class_general = 一般监管
ui-uscc = 统一社会信用代码
ui-name = 名称
ui-county = 县（市）
ui-industry = 行业
ui-class = 监管类别
ui-address = 地址
ui-legal_representative = 法定代表人
ui-coordinates = 坐标
ui-outlets = 排放口
ui-outlet_code = 编号
ui-outlet_kind = 类型
ui-permit = 排污许可证
ui-permit_number = 许可证编号
ui-valid_from = 生效日期
ui-valid_until = 截止日期
ui-permit_expires_soon = 许可证将在 30 天内到期
ui-permit_expired = 许可证已过期
ui-no_permit = 无排污许可证
ui-none = 无
ui-total = 共 { $total } 条
ui-page = 第 { $page } / { $pages } 页
ui-previous = 上一页
ui-next = 下一页
ui-export_xlsx = 导出 Excel
ui-export_csv = 导出 CSV
ui-version = 版本
ui-entities_by_county = 各县（市）监管对象
ui-expiring_certificates = 30 天内到期的执法证
ui-no_expiring = 暂无。
ui-officer = 执法人员
ui-certificate_number = 执法证号
ui-my_sessions = 我的登录会话
ui-this_session = 当前会话
ui-signed_in_at = 登录时间
ui-last_seen = 最近活动
ui-expires = 过期时间
ui-revoke = 注销
ui-my_signins = 我的登录记录
ui-time = 时间
ui-address_ip = 来源地址
ui-outcome = 结果
ui-outcome_success = 成功
ui-outcome_failure = 失败
ui-outcome_locked_out = 锁定中被拒
ui-outcome_ip_limited = 来源地址受限
ui-outcome_unlock = 管理员解锁
ui-error_title = 出错了
ui-back_home = 返回首页
ui-confirm_read_title = 确认打开此证据？
ui-confirm_read_text = 您是通过本平台以外的链接来到这里的。打开证据会以您的名义记入保管链，因此须由您确认后才打开。
ui-confirm_read_open = 确认打开（将记录）
ui-kind_water = 废水
ui-kind_air = 废气
ui-kind_noise = 噪声
ui-kind_solid = 固体废物
ui-total_header = 合计
ui-lat = 纬度
ui-lon = 经度
cli-runtime_failed = 无法启动运行时：{ $detail }
cli-postgres_failed = 连接 PostgreSQL 失败
cli-data_dir_failed = 无法创建数据目录 { $path }
cli-sqlite_failed = 打开 SQLite 数据库失败
cli-database_url_unsupported = 不支持的数据库地址（应为 postgres://…，或留空使用 SQLite）：{ $url }
cli-seed_failed = 演示数据写入失败：{ $detail }
cli-bootstrap_failed = 初始化失败：{ $detail }
cli-listen_failed = 无法监听 { $address }：{ $detail }
cli-address_failed = 无法读取监听地址：{ $detail }
cli-server_failed = 服务异常退出：{ $detail }
cli-settings_missing = 配置文件不存在：{ $path }
cli-settings_invalid = 读取设置失败
cli-origin_invalid = ledger.origin 不得为空，且不得含空格、+ 或 :（当前为 { $origin }）
cli-prefecture_invalid = app.prefecture_code 须为 6 位行政区划代码
cli-calendar_bad_date = 日期须为 YYYY-MM-DD 格式：{ $value }
cli-calendar_bad_n = N 须为不小于 1 的整数：{ $value }
cli-calendar_bad_table = 节假日表有误：{ $detail }
cli-calendar_missing_year = 警告：{ $year } 年没有国务院节假日安排表，该年按周末计算。
cli-verify_ok = 台账验证通过：{ $events } 条事件，{ $hashes } 个树哈希、{ $checkpoints } 个已签名检查点（每个都延续前一个），{ $blobs } 个证据文件已重新计算哈希（SHA-256 与 SM3），各投影表与事件重放结果一致。
cli-verify_failed = 台账验证未通过，发现 { $count } 处问题：
cli-verify_no_database = 找不到数据库 { $path }。

## Ledger
ledger-read_only = 台账处于只读状态：恢复之前不能写入任何内容，查询不受影响。
ledger-read_only_resume = 本数据目录没有签名状态，或其状态早于数据库中最新的检查点（已签 { $signed }，数据库 { $database }）：这是恢复的数据目录。请用最近公布的检查点运行 `ecoenforce ledger resume --checkpoint 文件`。
ledger-read_only_lost = 数据库比已签名的内容短：第 { $from } 至 { $to } 条事件已丢失。请恢复这些事件，或从数据库能延续的已公布检查点恢复。
ledger-read_only_diverged = 数据库中前 { $size } 条事件的树与该规模下已签名的检查点不一致。
ledger-no_signer = 本进程未运行检查点签名程序。
ledger-not_signer = 本台账的检查点由另一台服务器签名。
ledger-no_checkpoint = 尚未签署任何检查点。
ledger-index_out_of_range = “{ $field }”必须是 { $min } 到 { $max } 之间的整数。
ledger-not_in_checkpoint = 第 { $index } 条尚未包含在已签名的检查点中（最新规模 { $size }）；请调用 POST /api/v1/ledger/checkpoints，或指定 size。
cli-verifier_key = 台账验证公钥：{ $vkey }
cli-ledger_waiting = 台账在恢复之前为只读：{ $reason }
cli-resume_ok = 已恢复：数据库的树延续了 { $size } 条事件的检查点，签名从此继续。
cli-resume_not_signed = 该文件不是本台账密钥签署的检查点。
cli-resume_other_origin = 该检查点属于另一个日志：{ $origin }。
cli-resume_older = 该检查点（{ $given } 条）早于数据库中最新的检查点（{ $database } 条）；请提供最近公布的检查点。
cli-resume_lost = 数据库比检查点短：第 { $from } 至 { $to } 条事件已丢失。未作任何更改，台账保持只读。
cli-resume_diverged = 数据库中前 { $size } 条事件的树与检查点不一致。未作任何更改，台账保持只读。
cli-resume_unreadable = 无法读取检查点文件 { $path }：{ $detail }
cli-rotated = 已生成新的签名密钥，下一轮起用它签署检查点。
  旧：{ $old }
  新：{ $new }
cli-key_failed = 台账密钥：{ $detail }
cli-interval_invalid = ledger.checkpoint_interval_ms 不得小于 100。
cli-draw_unreadable = 无法读取 { $path }：{ $detail }
cli-draw_not_json = { $path } 不是有效的 JSON：{ $detail }
cli-draw_refused = 抽取被拒绝（{ $code }），位置 { $path }：{ $detail }

## Draw
draw-bad_text = 名称或编号为空，或含有制表符、换行符或回车符（彩票玩法和期号还不得含有 : 或 |）。
draw-id_in_two_strata = 同一编号只能属于一个层。
draw-pool_too_small = 排除回避人员后，某一对象可选的检查人员少于每个对象所需人数。
draw-nonce_mismatch = 公开的随机数与其承诺值不符：拒绝抽取。
draw-nonce_missing = 有一方尚未公开随机数；超过 24 小时后可标记为 "revealed": false。
draw-reveal_window_open = 公开随机数的 24 小时期限尚未届满。
draw-bad_reveal = 给出了随机数却标记为未公开。
draw-k_too_large = 抽取数量 k 大于该层的对象数。
draw-per_entity = 每个对象的检查人员不得少于 2 名。
draw-unknown_group = 某层指定的检查人员组不存在。
draw-duplicate_name = 层名或组名重复。
draw-no_beacon = 须指定 drand 轮次、彩票开奖或两者。
draw-no_strata = 至少需要一个层。
draw-no_groups = 至少需要一个检查人员组。
draw-no_commits = 至少需要一个承诺值。
draw-bad_hex = 应为 64 位小写十六进制数字（签名为十六进制）。
draw-algorithm = 算法必须为 shuangsuiji/v1。
draw-drand_signature = drand 签名不是所指轮次的 quicknet 签名。
draw-drand_network = 只接受 drand quicknet 网络。
draw-drand_round = drand 轮次从 1 开始。
draw-drand_key = 内置的 drand 公钥无法读取。
draw-lottery_numbers = 彩票号码须为一组或多组非空号码。
draw-bad_input = 输入中有未知、缺失或类型错误的字段。
draw-not_an_object = 抽取记录必须是 JSON 对象。
cli-evidence_url_unsupported = evidence.store_url { $url } 需要启用 s3 功能构建（cargo build --features s3）。

## Evidence
evidence-bad_subject_type = subject_type 必须为 entity（现为 { $value }）。
evidence-bad_id = 不是有效的编号（UUID）。
evidence-bad_type = 未知的证据种类 { $value }：应为书证、物证、视听资料、电子数据、证人证言、当事人陈述、鉴定意见、勘验笔录、现场笔录或监测报告之一。
evidence-bad_time = 时间须为带时区的 RFC 3339 格式，例如 2026-11-29T10:30:00+08:00。
evidence-bad_bool = on_site 须为 true 或 false（现为 { $value }）。
evidence-bad_sha256 = device_sha256 须为 64 位十六进制数字。
evidence-collected_in_future = 取证时间晚于当前时间。
evidence-unknown_user = 没有用户 { $username }。
evidence-duplicate_person = { $username } 被重复列出。
evidence-not_an_officer = { $username } 不是执法人员：辅助人员等只能作为协助人员（assisted_by）。
evidence-certificate_not_valid = { $username } 在 { $date } 没有有效的执法证。
evidence-two_officers_required = 现场取证须有至少两名持有效执法证的执法人员；现列 { $count } 名。
evidence-already_custodian = { $username } 已是该证据的保管人。
evidence-device_hash_mismatch = 文件的 SHA-256（{ $received }）与取证设备给出的（{ $stated }）不一致：未保存任何内容，已记入安全审计。
evidence-upload_broken = 上传中断：{ $detail }。未保存任何内容，请重新上传。
evidence-no_store = 本服务器未配置证据存储。
evidence-bad_multipart = multipart 表单格式错误：{ $detail }
evidence-no_file = 表单中没有 file 部分（它必须放在最后）。
upload-offset_mismatch = Upload-Offset { $given } 与已接收的 { $expected } 字节不符；请先用 HEAD 查询后从该处续传。
upload-busy = 另一个请求正在写入此上传；请待其结束后用 HEAD 查询偏移量再续传。
upload-bad_metadata = Upload-Metadata 须为以逗号分隔的“键 base64值”对。
upload-length_required = 请发送 Upload-Length（文件字节数）。
upload-tus_version = 请发送 Tus-Resumable: 1.0.0。
upload-content_type = PATCH 请求体须为 application/offset+octet-stream。
upload-offset_required = 请发送 Upload-Offset。
request-upload_too_large = 文件超过 { $limit } 字节的上限。

## Evidence pages
ui-evidence_documentary = 书证
ui-evidence_physical = 物证
ui-evidence_audio_visual = 视听资料
ui-evidence_electronic_data = 电子数据
ui-evidence_witness_testimony = 证人证言
ui-evidence_party_statement = 当事人陈述
ui-evidence_expert_opinion = 鉴定意见
ui-evidence_inspection_record = 勘验笔录
ui-evidence_on_site_record = 现场笔录
ui-evidence_monitoring_report = 监测报告
ui-custody_uploaded = 上传
ui-custody_viewed = 查看
ui-custody_downloaded = 下载
ui-custody_exported = 导出
ui-custody_transferred = 移交
ui-back_to_entity = 返回监管对象
ui-evidence_type = 证据种类
ui-on_site = 现场取证
ui-collected_at = 取证时间
ui-collected_by = 取证执法人员
ui-assisted_by = 协助人员
ui-device = 取证设备
ui-file = 文件
ui-custodian = 保管人
ui-download = 下载（将被记录）
ui-custody = 证据保管链
ui-custody_note = 每一次上传、查看、下载、导出和移交都记入防篡改台账。
ui-who = 人员
ui-what = 操作
ui-detail = 说明
ui-transfer = 移交
ui-transfer_to = 接收执法人员（用户名）
ui-reason = 事由
ui-evidence = 证据
ui-title = 标题
ui-size = 大小
ui-upload_evidence = 上传证据
ui-upload = 上传

## Certificates
cert-check_format = 文件为 ecoenforce 证书（v1）
cert-check_event_hash = 上传事件的哈希与 event_hash 一致
cert-check_event_names_evidence = 上传事件记载的正是该证据及其 SHA-256、SM3 和大小
cert-check_checkpoint_signature = 检查点由台账密钥签名
cert-check_inclusion = 上传事件包含在已签名的台账树中
cert-check_qr = 二维码内容与该条目和树一致
cert-check_file_sha256 = 文件的 SHA-256 与证书一致
cert-check_file_sm3 = 文件的 SM3 与证书一致
cli-cert_unreadable = 无法读取 { $path }：{ $detail }
cli-cert_valid = 有效：证书各项均成立（未核对证据文件；可用 --file 核对）。
cli-cert_valid_with_file = 有效：证书各项均成立，且该文件正是证书所载的证据。
cli-cert_invalid = 无效：{ $count } 项检查未通过。
ui-certificate = 电子证据存证证明
ui-certificate_note = 本证明无需本平台软件、无需联网即可核验：具有上述哈希值的文件已在防篡改台账的该位置登记，并由已签名的检查点覆盖。
ui-ledger_index = 台账位置
ui-signed_checkpoint = 已签名的检查点
ui-certificate_check = 离线核验：ecoenforce ledger verify-certificate certificate.json --file <证据文件>，或使用 docs/certificate_check.py。
ui-download_bundle = 下载证明文件包（JSON）
ui-back_to_evidence = 返回证据

## Backup
cli-backup_postgres = admin backup 用于 SQLite 实例。PostgreSQL 请使用 pg_dump（并复制 <data-dir>/evidence 与 <data-dir>/ledger/key）；pg_restore 之后，用最近公布的检查点运行 ecoenforce ledger resume。
cli-backup_target_not_empty = { $path } 不是空目录；请指定新目录或空目录。
cli-backup_failed = 备份或恢复失败；源数据未作任何更改：{ $detail }
cli-backup_done = 已备份到 { $path }：数据库（{ $pages } 页，SQLite 在线备份接口）、{ $files } 个证据文件、{ $keys } 个台账密钥，用时 { $seconds } 秒。签名状态从不备份：恢复后须用最近公布的检查点运行 ecoenforce ledger resume。
cli-restore_not_a_backup = { $path } 中没有 ecoenforce.db：不是 admin backup 生成的备份。
cli-restore_target_not_empty = 数据目录 { $path } 不是空目录；请恢复到新目录或空目录。
cli-restore_done = 已恢复到 { $path }。启动服务后，在用最近公布的检查点运行 ecoenforce ledger resume --checkpoint 文件之前，台账保持只读。

## Two-factor sign-in
auth-totp_required = 请输入身份验证器中的 6 位动态码（双因素登录）。
auth-totp_invalid = 6 位动态码错误、已过期或已使用过；请等待下一个动态码。
auth-totp_not_set = 该账号须使用双因素登录，但尚未设置；请联系安全管理员。
ui-totp = 动态验证码（管理员）
cli-admin_totp = 其双因素密钥（TOTP，RFC 6238，仅显示这一次）：{ $secret }  —  { $uri }
cli-demo_totp = 演示管理员登录时须输入由演示密钥 { $secret } 生成的动态码（仅供演示）。

## Administration
admin-own_account = 管理员不得更改自己账号的权限。
admin-role_mix = 管理员角色（系统、安全、审计）不得与其他角色兼任。
admin-unknown_role = 未知角色 { $role }。
auth-account_disabled = 该账号已停用；请联系系统管理员。

## Administration pages
ui-admin = 系统管理
ui-admin_note = 账号由系统管理员创建、修改和停用，角色与辖区由安全管理员授予；点击用户名进入账号页面。
ui-accounts = 账号
ui-roles = 角色
ui-jurisdiction = 辖区
ui-validity = 有效期
ui-disabled = 已停用
ui-units = 单位
ui-code = 代码
ui-audit = 安全审计
ui-audit_note = 只读；任何人都不能修改或删除这些记录。
ui-signin_audit = 登录审计（最近 200 条）
ui-admin_events = 管理操作记录

## Entity import
import-column_repeated = 表头“{ $header }”重复。
import-column_unknown = 第 { $column } 列的表头“{ $header }”无法识别：请使用导入模板的表头（中文或英文）。
import-column_missing = 缺少必需的列（{ $key }）：请使用导入模板的表头。
import-number_not_text = 此单元格是数字格式，电子表格可能已改动它（如把 18 位代码四舍五入）：请把该列设为文本格式后重新填写。
import-cell_error = 单元格是错误值 { $value }。
import-date_invalid = 日期“{ $value }”无法识别，请写成 2026-01-31 这样的格式。
import-number_invalid = 应为十进制度数，如 21.957300（最多 6 位小数）。
import-class_unknown = 监管类别“{ $value }”无法识别，应为“重点监管”或“一般监管”。
import-kind_unknown = 排放口类型“{ $value }”无法识别，应为废水、废气、噪声或固体废物。
import-permit_incomplete = 排污许可证的编号、生效日期和截止日期须同时填写或同时留空。
import-demo_unknown = “{ $value }”无法识别：此列只能留空或填写“演示数据”。
import-outlet_orphan = 排放口所属的统一社会信用代码 { $uscc } 不在监管对象表中。
import-uscc_repeated = 统一社会信用代码与第 { $first } 行重复。
import-too_many_rows = 行数超过 { $max } 行，请拆分文件后分批导入。
import-empty = 文件中没有监管对象数据。
import-more_problems = 页面列出前 { $shown } 个问题，另有 { $count } 个；全部问题可下载为 Excel。
import-encoding = 无法识别文件编码：CSV 文件应为 UTF-8 或 GB18030（GBK）编码。
import-encoding_utf16 = 文件是 UTF-16 编码：请在电子表格中另存为“CSV UTF-8”。
import-csv_invalid = CSV 格式错误：{ $detail }
import-workbook_invalid = 无法读取 Excel 文件：{ $detail }
import-sheet_extra = 工作簿只能有两个工作表（监管对象、排放口），其他工作表中有数据。
import-outlets_twice = 工作簿中已有排放口工作表，不能再另附排放口文件。
import-file_missing = 请选择要导入的文件。
import-preview_expired = 预览已过期或不存在，请重新上传文件。
ui-import = 导入
ui-import_title = 导入监管对象
ui-import_hint = 使用导出文件的列（表头可为中文或英文）。排污许可证占三列；排放口放在 Excel 的第二个工作表，或另附一个 CSV，以统一社会信用代码对应。CSV 可为 UTF-8 或 GB18030 编码。先预览：文件中只要有一处问题，就一行也不导入。
ui-import_template_xlsx = 下载 Excel 模板
ui-import_template_csv = 下载 CSV 模板（监管对象）
ui-import_template_outlets_csv = 下载 CSV 模板（排放口）
ui-import_file = 监管对象文件（.xlsx 或 .csv）
ui-import_outlets_file = 排放口文件（.csv，可选）
ui-import_preview = 预览
ui-import_commit = 确认导入
ui-import_problems = 发现 { $count } 个问题，未导入任何数据。改正后重新上传。
ui-import_ready = 可以导入：监管对象 { $entities } 个，排放口 { $outlets } 个，排污许可证 { $permits } 个。
ui-import_done = 已导入 { $count } 个监管对象。
ui-sheet = 工作表
ui-row = 行
ui-column = 列
ui-problem = 问题
ui-problem_other_language = Problem
ui-sheet_entities = 监管对象
ui-sheet_outlets = 排放口
ui-col_outlet_code = 排放口编号
ui-col_outlet_kind = 排放口类型
ui-col_outlet_name = 排放口名称
ui-export_outlets_csv = 导出排放口 CSV

import-workbook_too_large = 工作簿解压后超过 { $max } MiB，无法读取；请删除无关内容或拆分文件。

## Administration forms
ui-role_system_admin = 系统管理员
ui-role_security_admin = 安全管理员
ui-role_audit_admin = 审计管理员
ui-role_bureau_head = 局领导
ui-role_detachment_leader = 支队长
ui-role_detachment_officer = 支队执法人员
ui-role_brigade_officer = 大队执法人员
ui-role_auxiliary_staff = 辅助人员
ui-role_legal_reviewer = 法制审核人员
ui-role_liaison = 乡镇、园区联络员
ui-role_partner_agency = 协作单位
ui-admin_done = 已完成。
ui-secret_once = 请立即告知本人：此密钥只显示这一次，不会再显示或记录。
ui-edit_account = 账号信息
ui-unit = 单位
ui-certificate_title = 行政执法证
ui-issuing_authority = 发证机关
ui-disable = 停用账号
ui-enable = 启用账号
ui-access = 角色与辖区
ui-access_hint = 不勾选任何县（市）即为全州。
ui-reset_password = 重置密码
ui-reset_totp = 重置动态口令
ui-unlock = 解除登录锁定
ui-new_account = 新建账号
ui-new_account_hint = 新账号没有任何角色，由安全管理员授予；初始密码只显示一次，首次登录须修改。
ui-create = 创建
ui-settings = 设置（本职责）
ui-settings_note = 当前生效的设置。修改在设置文件 ecoenforce.toml 或 ECOENFORCE__APP__… 环境变量中进行，重启后生效。
ui-import_problems_xlsx = 下载全部问题（Excel）
