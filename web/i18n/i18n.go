// Package i18n is Yitong's one message catalogue for user-facing text:
// simplified Chinese first, English available. Templates and handlers look
// messages up by key; no user-facing string lives anywhere else.
package i18n

import (
	"net/http"
	"strings"
)

// Lang is a supported language.
type Lang string

// Languages.
const (
	ZH Lang = "zh-CN"
	EN Lang = "en"
)

// catalogue maps a message key to its text per language.
var catalogue = map[string]map[Lang]string{
	"app.name":                   {ZH: "医通", EN: "Yitong"},
	"app.tagline":                {ZH: "区域互联网+医疗健康平台", EN: "Regional Internet + Healthcare platform"},
	"home.title":                 {ZH: "平台状态", EN: "Platform status"},
	"home.fhir":                  {ZH: "统一数据接口（FHIR R4）", EN: "Unified data interface (FHIR R4)"},
	"home.fhir.help":             {ZH: "医院信息系统和其他系统通过标准 FHIR R4 REST 接口接入。", EN: "Hospital information systems and other systems connect through the standard FHIR R4 REST API."},
	"home.base":                  {ZH: "FHIR 服务地址", EN: "FHIR base URL"},
	"home.capability":            {ZH: "能力声明", EN: "Capability statement"},
	"home.health":                {ZH: "运行状况", EN: "Health"},
	"home.metrics":               {ZH: "运行指标", EN: "Metrics"},
	"home.database":              {ZH: "数据库", EN: "Database"},
	"home.version":               {ZH: "版本", EN: "Version"},
	"home.signin":                {ZH: "居民、医生、护士、药师和管理人员请登录使用各自的工作台。", EN: "Residents, doctors, nurses, pharmacists and administrators sign in to their workbench."},
	"home.welcome":               {ZH: "欢迎，", EN: "Welcome, "},
	"home.role":                  {ZH: "身份", EN: "Role"},
	"home.org":                   {ZH: "所属机构", EN: "Institution"},
	"home.patient":               {ZH: "本人健康档案", EN: "Own health record"},
	"home.dependents":            {ZH: "代管的子女档案", EN: "Children's records you manage"},
	"home.practitioner":          {ZH: "执业人员档案", EN: "Practitioner record"},
	"home.region":                {ZH: "监管区域", EN: "Region supervised"},
	"home.mfa":                   {ZH: "双因素认证", EN: "Two-factor authentication"},
	"home.mfa.on":                {ZH: "已启用", EN: "On"},
	"home.mfa.off":               {ZH: "未启用", EN: "Off"},
	"home.tasks":                 {ZH: "可用功能", EN: "What you can do here"},
	"home.api":                   {ZH: "接口访问：第三方应用和医院系统通过 SMART on FHIR 授权访问数据。", EN: "API access: third-party apps and hospital systems reach data through SMART on FHIR authorization."},
	"nav.home":                   {ZH: "首页", EN: "Home"},
	"nav.password":               {ZH: "修改密码", EN: "Change password"},
	"nav.mfa":                    {ZH: "双因素认证", EN: "Two-factor authentication"},
	"nav.login":                  {ZH: "登录", EN: "Sign in"},
	"nav.logout":                 {ZH: "退出登录", EN: "Sign out"},
	"role.resident":              {ZH: "居民", EN: "Resident"},
	"role.doctor":                {ZH: "医生", EN: "Doctor"},
	"role.nurse":                 {ZH: "护士", EN: "Nurse"},
	"role.pharmacist":            {ZH: "药师", EN: "Pharmacist"},
	"role.institution-admin":     {ZH: "机构管理员", EN: "Institution administrator"},
	"role.regulator":             {ZH: "监管人员", EN: "Regulator"},
	"role.system-admin":          {ZH: "系统管理员", EN: "System administrator"},
	"role.security-admin":        {ZH: "安全管理员", EN: "Security administrator"},
	"role.audit-admin":           {ZH: "审计管理员", EN: "Audit administrator"},
	"login.title":                {ZH: "登录", EN: "Sign in"},
	"login.username":             {ZH: "用户名", EN: "User name"},
	"login.password":             {ZH: "密码", EN: "Password"},
	"login.totp":                 {ZH: "动态验证码（医务人员和管理员必填）", EN: "Authenticator code (staff and administrators)"},
	"login.submit":               {ZH: "登录", EN: "Sign in"},
	"identity.bad-credentials":   {ZH: "用户名、密码或动态验证码不正确。", EN: "The user name, password or authenticator code is not correct."},
	"identity.locked":            {ZH: "尝试次数过多，请稍后再试。可再次尝试的时间：", EN: "Too many attempts. You can try again at "},
	"identity.bad-totp":          {ZH: "动态验证码不正确，请核对手机上的认证器。", EN: "The authenticator code is not correct; check the app on your phone."},
	"identity.weak-password":     {ZH: "新密码至少 10 个字符，并同时包含字母和数字。", EN: "The new password needs at least 10 characters, with letters and digits."},
	"identity.mismatch":          {ZH: "两次输入的新密码不一致。", EN: "The two new passwords differ."},
	"identity.username-taken":    {ZH: "该用户名已被使用。", EN: "The user name is taken."},
	"identity.bad-username":      {ZH: "用户名应为 3–64 位字母、数字或 . _ - @。", EN: "A user name is 3-64 letters, digits or . _ - @."},
	"identity.bad-role":          {ZH: "身份类型无效。", EN: "That is not a role."},
	"identity.bad-region":        {ZH: "监管区域须为六位行政区划代码（GB/T 2260），且仅监管人员设置。", EN: "A region must be a six-digit GB/T 2260 division code, and only regulators have one."},
	"identity.invalid-token":     {ZH: "登录已过期，请重新登录。", EN: "The sign-in has expired; sign in again."},
	"identity.invalid-client":    {ZH: "应用未登记或认证失败。", EN: "The app is not registered or failed to authenticate."},
	"identity.invalid-grant":     {ZH: "授权码或令牌无效。", EN: "The code or token is not valid."},
	"identity.invalid-scope":     {ZH: "请求的权限无效。", EN: "The permissions asked for are not valid."},
	"identity.invalid-request":   {ZH: "请求无效。", EN: "The request is not valid."},
	"identity.csrf":              {ZH: "页面已过期，请刷新后重试。", EN: "The page has expired; reload it and try again."},
	"mfa.title":                  {ZH: "设置双因素认证", EN: "Set up two-factor authentication"},
	"mfa.required":               {ZH: "按照等保三级要求，医务人员和管理员必须先启用双因素认证才能继续。", EN: "As 等保 level 3 requires, staff and administrators must set up two-factor authentication before going on."},
	"mfa.step1":                  {ZH: "在手机认证器（如 FreeOTP、Google Authenticator、Microsoft Authenticator）中添加账户，输入下面的密钥：", EN: "Add an account in an authenticator app on your phone (FreeOTP, Google Authenticator, Microsoft Authenticator) with this key:"},
	"mfa.uri":                    {ZH: "或导入此链接：", EN: "or import this link:"},
	"mfa.step2":                  {ZH: "输入认证器显示的 6 位验证码：", EN: "Enter the 6-digit code the app shows:"},
	"mfa.submit":                 {ZH: "启用", EN: "Turn on"},
	"mfa.done":                   {ZH: "双因素认证已启用。", EN: "Two-factor authentication is on."},
	"password.title":             {ZH: "修改密码", EN: "Change password"},
	"password.must":              {ZH: "该密码由管理员设置，请先修改密码。", EN: "An administrator set this password; change it before going on."},
	"password.current":           {ZH: "当前密码", EN: "Current password"},
	"password.new":               {ZH: "新密码", EN: "New password"},
	"password.repeat":            {ZH: "再次输入新密码", EN: "New password again"},
	"password.submit":            {ZH: "修改", EN: "Change"},
	"password.done":              {ZH: "密码已修改。", EN: "The password was changed."},
	"authorize.title":            {ZH: "授权第三方应用", EN: "Authorize an app"},
	"authorize.asks":             {ZH: "以下应用请求访问您的健康数据：", EN: "This app asks to use your health data:"},
	"authorize.scopes":           {ZH: "请求的权限", EN: "Permissions asked for"},
	"authorize.patient":          {ZH: "代表哪位患者", EN: "For which patient"},
	"authorize.allow":            {ZH: "同意授权", EN: "Allow"},
	"authorize.deny":             {ZH: "拒绝", EN: "Deny"},
	"authorize.note":             {ZH: "您可以随时撤销授权。每次访问都会记入审计日志，您可以在“谁查看了我的健康档案”中查看。", EN: "You can withdraw this at any time. Every access is recorded in the audit log."},
	"nav.signing":                {ZH: "签名证书", EN: "Signing certificate"},
	"signing.title":              {ZH: "个人签名证书", EN: "Personal signing certificate"},
	"signing.intro":              {ZH: "处方、审方等医疗行为需要您的电子签名。私钥由平台加密保管，只有输入签名 PIN 码才能使用。", EN: "Prescriptions, reviews and other medical acts carry your electronic signature. The platform keeps your private key encrypted; only your signing PIN unlocks it."},
	"signing.serial":             {ZH: "证书序列号", EN: "Serial number"},
	"signing.algorithm":          {ZH: "算法", EN: "Algorithm"},
	"signing.valid":              {ZH: "有效期", EN: "Valid"},
	"signing.status":             {ZH: "状态", EN: "Status"},
	"signing.active":             {ZH: "有效", EN: "Active"},
	"signing.revoked":            {ZH: "已吊销", EN: "Revoked"},
	"signing.none":               {ZH: "您还没有签名证书。", EN: "You have no signing certificate yet."},
	"signing.password":           {ZH: "登录密码（再次验证身份）", EN: "Password (to confirm it is you)"},
	"signing.pin":                {ZH: "签名 PIN 码（6–32 位）", EN: "Signing PIN (6–32 characters)"},
	"signing.pin.repeat":         {ZH: "再次输入 PIN 码", EN: "Signing PIN again"},
	"signing.issue":              {ZH: "申请证书", EN: "Get a certificate"},
	"signing.reissue":            {ZH: "重新签发（原证书将被吊销）", EN: "Issue a new one (the current one is revoked)"},
	"signing.done":               {ZH: "证书已签发。", EN: "The certificate was issued."},
	"signing.ca":                 {ZH: "平台根证书", EN: "Platform CA certificate"},
	"signing.crl":                {ZH: "证书吊销列表", EN: "Certificate revocation list"},
	"signing.weak-pin":           {ZH: "PIN 码需要 6 到 32 个字符，两次输入必须一致。", EN: "The PIN needs 6 to 32 characters, the same both times."},
	"signing.not-allowed":        {ZH: "只有已备案的医生和药师可以持有签名证书。", EN: "Only registered doctors and pharmacists hold signing certificates."},
	"nav.practitioners":          {ZH: "执业人员备案", EN: "Practitioner registration"},
	"reg.title":                  {ZH: "执业人员备案", EN: "Practitioner registration"},
	"reg.intro":                  {ZH: "登记本机构在线执业的医生、护士和药师。医生须具有 3 年以上独立临床工作经验，并经本机构同意；已在其他机构备案的人员将登记为多机构执业。", EN: "Register the doctors, nurses and pharmacists who practise online at this institution. Doctors need at least 3 years of independent clinical practice and the institution's consent; someone registered at another institution is registered for multi-site practice."},
	"reg.name":                   {ZH: "姓名", EN: "Name"},
	"reg.gender":                 {ZH: "性别", EN: "Gender"},
	"reg.gender.female":          {ZH: "女", EN: "Female"},
	"reg.gender.male":            {ZH: "男", EN: "Male"},
	"reg.gender.unknown":         {ZH: "未说明", EN: "Not stated"},
	"reg.role":                   {ZH: "岗位", EN: "Role"},
	"reg.category":               {ZH: "执业类别", EN: "Practice category"},
	"reg.category.clinical":      {ZH: "临床", EN: "Clinical"},
	"reg.category.tcm":           {ZH: "中医", EN: "Traditional Chinese medicine"},
	"reg.category.dental":        {ZH: "口腔", EN: "Dental"},
	"reg.category.public-health": {ZH: "公共卫生", EN: "Public health"},
	"reg.category.nursing":       {ZH: "护理", EN: "Nursing"},
	"reg.category.pharmacy":      {ZH: "药学", EN: "Pharmacy"},
	"reg.category.tcm-pharmacy":  {ZH: "中药学", EN: "Chinese pharmacy"},
	"reg.licence":                {ZH: "执业证书编号", EN: "Licence number"},
	"reg.scope":                  {ZH: "执业范围", EN: "Scope of practice"},
	"reg.since":                  {ZH: "独立执业起始日期（年-月-日）", EN: "Independent practice since (YYYY-MM-DD)"},
	"reg.username":               {ZH: "同时开通账号（用户名，可选）", EN: "Also open an account (user name, optional)"},
	"reg.consent":                {ZH: "本机构同意其在本机构开展互联网诊疗", EN: "This institution consents to their online practice here"},
	"reg.submit":                 {ZH: "备案", EN: "Register"},
	"reg.done":                   {ZH: "已备案。适用规则：", EN: "Registered. Rule applied:"},
	"reg.account":                {ZH: "账号已开通，临时密码（仅显示一次，首次登录须修改）：", EN: "The account is open; its temporary password (shown once, to be changed at first sign-in):"},
	"reg.list":                   {ZH: "本机构备案人员", EN: "Registered at this institution"},
	"reg.status":                 {ZH: "状态", EN: "Status"},
	"reg.active":                 {ZH: "有效", EN: "Active"},
	"reg.inactive":               {ZH: "已停止", EN: "Ended"},
	"reg.multisite":              {ZH: "多机构执业", EN: "Multi-site"},
	"reg.err.name":               {ZH: "不能备案：请填写姓名。", EN: "Cannot register: the name is missing."},
	"reg.err.licence":            {ZH: "不能备案：执业证书编号应为 6–30 位字母或数字。", EN: "Cannot register: the licence number must be 6-30 letters and digits."},
	"reg.err.category":           {ZH: "不能备案：执业类别与岗位不符。", EN: "Cannot register: the practice category does not fit the role."},
	"reg.err.scope":              {ZH: "不能备案：请填写执业范围。", EN: "Cannot register: the scope of practice is missing."},
	"reg.err.organization":       {ZH: "不能备案：您的账号没有所属机构。", EN: "Cannot register: your account has no institution."},
	"reg.err.consent":            {ZH: "不能备案：须经本机构同意（规则 A5）。", EN: "Cannot register: the institution must consent (rule A5)."},
	"reg.err.independentSince":   {ZH: "不能备案：医生须具有 3 年以上独立临床工作经验（规则 A5），且日期不能晚于今天。", EN: "Cannot register: doctors need at least 3 years of independent clinical practice (rule A5), and the date cannot be in the future."},
	"reg.err.duplicate":          {ZH: "不能备案：该执业证书已在本机构备案。", EN: "Cannot register: this licence is already registered at this institution."},
	"reg.forbidden":              {ZH: "只有机构管理员可以办理执业人员备案。", EN: "Only institution administrators register practitioners."},
	"nav.consents":               {ZH: "授权管理", EN: "Consent"},
	"consent.title":              {ZH: "授权管理", EN: "Consent"},
	"consent.intro":              {ZH: "为您的诊疗提供服务的医务人员可以查看您的健康档案。您可以拒绝某家机构的医务人员查看您（或您代管子女）的档案，拒绝科研、营销等用途，也可以随时撤回拒绝。急救时的紧急调阅会被单独记录并报监管部门。", EN: "The practitioners who care for you can see your health record. You can refuse an institution's practitioners access to your record (or your children's), refuse uses such as research or marketing, and withdraw a refusal at any time. Emergency access is recorded separately and reported to the regulator."},
	"consent.patient":            {ZH: "档案", EN: "Record"},
	"consent.org":                {ZH: "机构", EN: "Institution"},
	"consent.since":              {ZH: "日期", EN: "Date"},
	"consent.status":             {ZH: "状态", EN: "Status"},
	"consent.refused":            {ZH: "已拒绝访问", EN: "Access refused"},
	"consent.withdrawn":          {ZH: "已撤回", EN: "Withdrawn"},
	"consent.withdraw":           {ZH: "撤回", EN: "Withdraw"},
	"consent.none":               {ZH: "您没有拒绝任何机构或用途。", EN: "You have refused no institution and no use."},
	"consent.new":                {ZH: "拒绝机构访问", EN: "Refuse an institution"},
	"consent.submit":             {ZH: "拒绝该机构访问", EN: "Refuse this institution"},
	"consent.saved":              {ZH: "已保存。", EN: "Saved."},
	"consent.forbidden":          {ZH: "只有居民可以管理自己档案的授权。", EN: "Only residents manage consent for their records."},
	"consent.whom":               {ZH: "拒绝对象", EN: "Refused"},
	"consent.new.purpose":        {ZH: "拒绝用于某种目的", EN: "Refuse a use"},
	"consent.purpose.help":       {ZH: "接入平台的科研、营销和商业保险系统各自登记了使用目的。拒绝某种目的后，这类系统不能读取您（或您代管子女）的档案；您的诊疗和依法监管不受影响。", EN: "Research, marketing and insurance systems connected to the platform each register their purpose. Once you refuse a purpose, such systems cannot read your record (or your children's); your care and lawful supervision are not affected."},
	"consent.purpose":            {ZH: "目的", EN: "Purpose"},
	"consent.submit.purpose":     {ZH: "拒绝该用途", EN: "Refuse this use"},
	"purpose.HRESCH":             {ZH: "科学研究", EN: "Research"},
	"purpose.HMARKT":             {ZH: "商业营销", EN: "Marketing"},
	"purpose.HPAYMT":             {ZH: "商业保险理赔", EN: "Insurance claims and payment"},
	"consent.bad":                {ZH: "请选择您自己的档案，以及一家机构或一种用途。", EN: "Choose one of your records, and an institution or a use."},
	"nav.access":                 {ZH: "谁查看了我的档案", EN: "Who viewed my record"},
	"nav.trace":                  {ZH: "监管追溯", EN: "Trace"},
	"access.title":               {ZH: "谁查看了我的健康档案", EN: "Who viewed my health record"},
	"access.intro":               {ZH: "这里列出对您（及您代管子女）健康档案的每一次访问和修改，包括被拒绝的请求。紧急调阅以红色标出，并已报监管部门。", EN: "Every access to and change of your health record (and your children's) is listed here, refused requests too. Emergency access is marked in red and reported to the regulator."},
	"access.time":                {ZH: "时间", EN: "Time"},
	"access.who":                 {ZH: "访问者", EN: "Who"},
	"access.org":                 {ZH: "机构", EN: "Institution"},
	"access.what":                {ZH: "操作", EN: "What"},
	"access.outcome":             {ZH: "结果", EN: "Outcome"},
	"access.self":                {ZH: "本人", EN: "You"},
	"access.btg":                 {ZH: "紧急调阅", EN: "emergency access"},
	"access.none":                {ZH: "还没有访问记录。", EN: "No access yet."},
	"access.forbidden":           {ZH: "只有居民可以查看自己档案的访问记录。", EN: "Only residents see who accessed their record."},
	"act.C":                      {ZH: "新建", EN: "Created"},
	"act.R":                      {ZH: "查看", EN: "Viewed"},
	"act.U":                      {ZH: "修改", EN: "Changed"},
	"act.D":                      {ZH: "删除", EN: "Deleted"},
	"act.E":                      {ZH: "其他操作", EN: "Other act"},
	"outcome.success":            {ZH: "成功", EN: "Done"},
	"outcome.failed":             {ZH: "失败", EN: "Failed"},
	"outcome.denied":             {ZH: "被拒绝", EN: "Refused"},
	"outcome.error":              {ZH: "出错", EN: "Error"},
	"agent.client":               {ZH: "接入系统", EN: "Connected system"},
	"agent.system":               {ZH: "平台", EN: "Platform"},
	"agent.anonymous":            {ZH: "未登录者", EN: "Not signed in"},
	"agent.user":                 {ZH: "用户", EN: "User"},
	"trace.title":                {ZH: "监管追溯", EN: "Trace"},
	"nav.workbench":              {ZH: "处方签名", EN: "Prescriptions"},
	"workbench.title":            {ZH: "医生工作台：处方签名", EN: "Doctor's workbench: prescriptions"},
	"workbench.intro":            {ZH: "您开具的处方草稿须由您本人以电子签名确认后，才能提交药师审核（处方管理办法）。签名时输入您的签名 PIN 码；签名后处方如被修改，签名即失效。", EN: "The draft prescriptions you issued take effect only once you sign them personally, and then go to a pharmacist for review. Sign with your signing PIN; a prescription changed after signing no longer verifies."},
	"workbench.drafts":           {ZH: "待签名的处方", EN: "Drafts to sign"},
	"workbench.signed":           {ZH: "已签名的处方", EN: "Signed prescriptions"},
	"workbench.patient":          {ZH: "患者", EN: "Patient"},
	"workbench.medication":       {ZH: "药品", EN: "Medication"},
	"workbench.date":             {ZH: "开具时间", EN: "Issued"},
	"workbench.pin":              {ZH: "签名 PIN 码", EN: "Signing PIN"},
	"workbench.sign":             {ZH: "签名", EN: "Sign"},
	"workbench.verify":           {ZH: "签名验证", EN: "Verification"},
	"workbench.valid":            {ZH: "签名有效", EN: "Signature valid"},
	"workbench.invalid":          {ZH: "签名无效", EN: "Not valid"},
	"workbench.expires":          {ZH: "有效期至", EN: "Valid until"},
	"workbench.no-drafts":        {ZH: "没有待签名的处方。", EN: "No drafts to sign."},
	"workbench.no-signed":        {ZH: "还没有已签名的处方。", EN: "No signed prescriptions yet."},
	"workbench.done":             {ZH: "处方已签名。", EN: "The prescription is signed."},
	"workbench.forbidden":        {ZH: "只有已关联执业人员档案的医生可以签署处方。", EN: "Only doctors with a practitioner record sign prescriptions."},
	"workbench.not-yours":        {ZH: "只能签署您本人开具、且患者在您诊疗范围内的处方。", EN: "You sign only prescriptions you issued, for patients in your care."},
	"workbench.already":          {ZH: "该处方已签名，或已不是草稿。", EN: "That prescription is already signed, or no longer a draft."},
	"workbench.changed":          {ZH: "该处方在您查看后已被修改，请核对后重新签名。", EN: "The prescription changed after you viewed it: check it and sign again."},
	"workbench.bad":              {ZH: "请选择处方并输入签名 PIN 码。", EN: "Choose a prescription and enter your signing PIN."},
	"workbench.bad-pin":          {ZH: "签名 PIN 码不正确。连续输错 5 次将锁定签名 15 分钟。", EN: "The signing PIN is not correct. Five wrong PINs in a row lock signing for 15 minutes."},
	"workbench.locked":           {ZH: "PIN 码输错次数过多，签名已锁定，请 15 分钟后再试。", EN: "Too many wrong PINs: signing is locked; try again in 15 minutes."},
	"workbench.no-cert":          {ZH: "您还没有签名证书，请先到“签名证书”页面申请。", EN: "You have no signing certificate yet: get one on the signing certificate page."},
	"workbench.revoked":          {ZH: "您的签名证书已吊销，请到“签名证书”页面重新申请。", EN: "Your signing certificate is revoked: get a new one on the signing certificate page."},
	"workbench.issue.unsigned":   {ZH: "尚未签名", EN: "Not signed"},
	"workbench.issue.unreadable": {ZH: "签名记录无法读取", EN: "The signature cannot be read"},
	"workbench.issue.revoked":    {ZH: "签名证书已吊销", EN: "The signing certificate is revoked"},
	"workbench.issue.invalid":    {ZH: "签名验证不通过", EN: "The signature does not verify"},
	"workbench.issue.signer":     {ZH: "签名人不是开具医生", EN: "The signer is not the prescriber"},
	"workbench.issue.changed":    {ZH: "签名后处方被修改", EN: "Changed after signing"},
	"workbench.issue.expired":    {ZH: "处方已过有效期", EN: "Expired"},
	"nav.btg":                    {ZH: "紧急调阅审查", EN: "Emergency access review"},
	"btg.title":                  {ZH: "紧急调阅审查", EN: "Emergency access review"},
	"btg.intro":                  {ZH: "医生或护士在无诊疗关系时以“紧急调阅”（破窗）方式访问患者档案，须说明理由。这里列出本监管区域居民档案的每一次紧急调阅，请逐条审查并给出结论；结论及其说明计入审计日志。", EN: "When a doctor or nurse reads a patient's record without a care relationship (break-the-glass), they must give a reason. Every such access to the records of residents of your region is listed here: review each and give a verdict; the verdict and its note go into the audit log."},
	"btg.reason":                 {ZH: "调阅理由", EN: "Reason given"},
	"btg.review":                 {ZH: "审查结论", EN: "Review"},
	"btg.verdict.justified":      {ZH: "理由成立", EN: "Justified"},
	"btg.verdict.unjustified":    {ZH: "理由不成立", EN: "Not justified"},
	"btg.note":                   {ZH: "说明", EN: "Note"},
	"btg.submit":                 {ZH: "提交结论", EN: "Record verdict"},
	"btg.none":                   {ZH: "本区域没有紧急调阅记录。", EN: "No emergency access in your region."},
	"btg.saved":                  {ZH: "审查结论已记录。", EN: "The verdict is recorded."},
	"btg.bad":                    {ZH: "请选择结论；认定理由不成立时须填写说明（最多 1000 字）。", EN: "Choose a verdict; a verdict of not justified needs a note (at most 1,000 characters)."},
	"btg.unknown":                {ZH: "该记录不是您监管区域内的紧急调阅。", EN: "That is not an emergency access in your region."},
	"btg.already":                {ZH: "该记录已由其他监管人员审查。", EN: "Another regulator has already reviewed this access."},
	"btg.forbidden":              {ZH: "只有监管人员审查紧急调阅。", EN: "Only regulators review emergency access."},
	"btg.pending":                {ZH: "待审查的紧急调阅：", EN: "Emergency accesses awaiting your review:"},
	"btg.go":                     {ZH: "前往审查", EN: "Review them"},
	"trace.intro":                {ZH: "按患者、操作者、机构或请求编号追溯每一次医疗行为。每条记录都可下载证明，证明它在经平台签名的审计日志中、且未被篡改。", EN: "Trace every medical act by patient, agent, institution or request id. Each record's proof shows it is in the platform's signed audit log, unaltered."},
	"trace.by":                   {ZH: "追溯依据", EN: "Trace by"},
	"trace.by.patient":           {ZH: "患者编号", EN: "Patient id"},
	"trace.by.agent":             {ZH: "操作者（如 user/编号、client/编号）", EN: "Agent (user/id, client/id)"},
	"trace.by.org":               {ZH: "机构编号", EN: "Institution id"},
	"trace.by.request":           {ZH: "请求编号", EN: "Request id"},
	"trace.value":                {ZH: "编号", EN: "Id"},
	"trace.submit":               {ZH: "追溯", EN: "Trace"},
	"trace.patients":             {ZH: "涉及患者", EN: "Patients"},
	"trace.proof":                {ZH: "证明", EN: "Proof"},
	"trace.pending":              {ZH: "待入树", EN: "pending"},
	"trace.none":                 {ZH: "没有找到记录。", EN: "Nothing found."},
	"trace.verify":               {ZH: "证明文件包含记录原文、包含证明、签名检查点和平台公钥，可用 yitong audit verify 或任何 RFC 6962 实现离线核验。", EN: "A proof file holds the entry, its inclusion proof, the signed checkpoint and the platform's public key; check it offline with any RFC 6962 implementation."},
	"trace.bad":                  {ZH: "追溯依据无效。", EN: "That is not something to trace by."},
	"trace.forbidden":            {ZH: "只有监管人员和审计管理员可以追溯。", EN: "Only regulators and audit administrators trace."},
	"nav.accounts":               {ZH: "账号管理", EN: "Accounts"},
	"accounts.title":             {ZH: "账号管理", EN: "Accounts"},
	"accounts.intro":             {ZH: "安全管理员停用和恢复账号，重置密码和双因素认证。每项操作都记入审计日志。", EN: "The security administrator disables and enables accounts and resets passwords and second factors. Every act is audited."},
	"accounts.disabled":          {ZH: "已停用", EN: "Disabled"},
	"accounts.disable":           {ZH: "停用", EN: "Disable"},
	"accounts.enable":            {ZH: "恢复", EN: "Enable"},
	"accounts.password":          {ZH: "重置密码", EN: "Reset password"},
	"accounts.mfa":               {ZH: "重置双因素", EN: "Reset second factor"},
	"accounts.forbidden":         {ZH: "只有安全管理员可以管理账号。", EN: "Only security administrators manage accounts."},
	"accounts.self":              {ZH: "不能停用自己的账号。", EN: "You cannot disable your own account."},
	"nav.auditsettings":          {ZH: "审计设置", EN: "Audit settings"},
	"auditsettings.title":        {ZH: "审计日志设置", EN: "Audit log settings"},
	"auditsettings.intro":        {ZH: "审计日志保存期限满后，平台每日删除过期记录的内容，只保留其哈希值，日志仍可完整验证。只有审计管理员可以修改设置，每次修改和每次被拒绝的尝试都记入审计日志。", EN: "Once entries are older than the retention period, the platform removes their content daily and keeps only their hashes, so the log still verifies in full. Only audit administrators change the settings; every change and every refused attempt is audited."},
	"auditsettings.retention":    {ZH: "保存期限", EN: "Retention period"},
	"auditsettings.months":       {ZH: "个月", EN: "months"},
	"auditsettings.default":      {ZH: "默认值（法定最低期限）", EN: "default (the legal minimum)"},
	"auditsettings.changed":      {ZH: "最近修改", EN: "Last changed"},
	"auditsettings.minimum":      {ZH: "法定最低期限", EN: "Legal minimum"},
	"auditsettings.size":         {ZH: "日志条目总数", EN: "Entries in the log"},
	"auditsettings.pruned":       {ZH: "已删除内容的条目", EN: "Entries pruned"},
	"auditsettings.pruned.kept":  {ZH: "内容已删除，哈希值保留，可由签名检查点验证", EN: "content removed; their hashes are kept and proven by the signed checkpoints"},
	"auditsettings.pruned.none":  {ZH: "尚无", EN: "None yet"},
	"auditsettings.lastprune":    {ZH: "最近一次删除", EN: "Last prune"},
	"auditsettings.entries":      {ZH: "条", EN: "entries"},
	"auditsettings.cutoff":       {ZH: "截止时间", EN: "cutoff"},
	"auditsettings.lastrun":      {ZH: "最近一次检查", EN: "Last retention run"},
	"auditsettings.never":        {ZH: "从未", EN: "Never"},
	"auditsettings.new":          {ZH: "新的保存期限", EN: "New retention period"},
	"auditsettings.help":         {ZH: "以整月计，不得少于法定最低期限，最长 1200 个月（100 年）。期限越短，删除越早。", EN: "Whole months, no less than the legal minimum and at most 1,200 months (100 years). A shorter period prunes sooner."},
	"auditsettings.save":         {ZH: "保存", EN: "Save"},
	"auditsettings.readonly":     {ZH: "只有审计管理员可以修改审计设置。", EN: "Only audit administrators change the audit settings."},
	"auditsettings.forbidden":    {ZH: "只有审计管理员和监管人员可以查看审计设置。", EN: "Only audit administrators and regulators see the audit settings."},
	"auditsettings.refused":      {ZH: "只有审计管理员可以修改审计设置。此次尝试已记入审计日志。", EN: "Only audit administrators change the audit settings. This attempt has been audited."},
	"auditsettings.invalid":      {ZH: "保存期限无效：须为整数个月，不少于法定最低期限，不超过 1200 个月。设置未作更改。", EN: "That retention period is not allowed: it must be whole months, no less than the legal minimum and at most 1,200. Nothing was changed."},
	"error.title":                {ZH: "无法完成请求", EN: "The request cannot be completed"},
	"error.authorize":            {ZH: "授权请求无效：", EN: "The authorization request is not valid: "},
	"authorize.err.client":       {ZH: "授权请求无效：应用未在平台登记。", EN: "The authorization request is not valid: the app is not registered with the platform."},
	"authorize.err.redirect":     {ZH: "授权请求无效：回调地址与应用登记的不一致。", EN: "The authorization request is not valid: the redirect URI is not one the app registered."},
	"authorize.launch.patient":   {ZH: "本次启动所针对的患者：", EN: "Patient of this launch:"},
	"identity.invalid-launch":    {ZH: "应用启动请求无效、已过期或已使用，请从工作台重新启动应用。", EN: "The app launch is not valid, has expired or was already used; launch the app again from the workbench."},
	"nav.launch":                 {ZH: "启动应用", EN: "Launch an app"},
	"launch.title":               {ZH: "为患者启动第三方应用", EN: "Launch an app for a patient"},
	"launch.intro":               {ZH: "选择您诊疗中的患者和已登记的应用。应用将获得该患者的数据访问上下文，您仍需在授权页面确认。", EN: "Choose a patient in your care and a registered app. The app gets this patient as its context; you still confirm on the authorization page."},
	"launch.patient":             {ZH: "患者", EN: "Patient"},
	"launch.app":                 {ZH: "应用", EN: "App"},
	"launch.submit":              {ZH: "启动", EN: "Launch"},
	"launch.no-apps":             {ZH: "平台尚未登记可从工作台启动的应用。", EN: "No app that can be launched from the workbench is registered."},
	"launch.no-patients":         {ZH: "目前没有您可以查看的患者（需有诊疗关系）。", EN: "There is no patient you may see now (a care relationship is needed)."},
	"launch.note":                {ZH: "启动记录将写入审计日志；启动链接 5 分钟内有效且只能使用一次。", EN: "The launch is recorded in the audit log; its link is valid for 5 minutes and once only."},
	"launch.forbidden":           {ZH: "只有医生、护士和药师可以为患者启动应用。", EN: "Only doctors, nurses and pharmacists launch apps for patients."},
	"launch.denied":              {ZH: "您目前无权查看患者数据（需有有效的执业备案）。", EN: "You may not see patients' data now (an active practice registration is needed)."},
	"launch.patient.refused":     {ZH: "您无权查看该患者的数据，不能为其启动应用。", EN: "You may not see this patient's data, so you cannot launch an app for them."},
	"launch.app.unknown":         {ZH: "该应用未登记启动地址。", EN: "The app has no registered launch URL."},
	"lang.switch":                {ZH: "English", EN: "中文"},
	"lang.switch.target":         {ZH: "en", EN: "zh-CN"},
}

// T returns the text of key in lang (Chinese when lang has none, the key
// itself when the catalogue has no such key, so a missing message shows).
func T(lang Lang, key string) string {
	m, ok := catalogue[key]
	if !ok {
		return key
	}
	if s, ok := m[lang]; ok {
		return s
	}
	return m[ZH]
}

// Keys returns every message key (for completeness tests).
func Keys() []string {
	out := make([]string, 0, len(catalogue))
	for k := range catalogue {
		out = append(out, k)
	}
	return out
}

// Has reports whether key has a text in lang.
func Has(lang Lang, key string) bool {
	_, ok := catalogue[key][lang]
	return ok
}

// FromRequest picks the language: ?lang=, then the yitong_lang cookie, then
// Accept-Language; Chinese by default.
func FromRequest(r *http.Request) Lang {
	pick := func(v string) (Lang, bool) {
		v = strings.ToLower(strings.TrimSpace(v))
		switch {
		case strings.HasPrefix(v, "en"):
			return EN, true
		case strings.HasPrefix(v, "zh"):
			return ZH, true
		}
		return "", false
	}
	if l, ok := pick(r.URL.Query().Get("lang")); ok {
		return l
	}
	if c, err := r.Cookie("yitong_lang"); err == nil {
		if l, ok := pick(c.Value); ok {
			return l
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		if l, ok := pick(strings.Split(part, ";")[0]); ok {
			return l
		}
	}
	return ZH
}
