// Browser tests of Yitong in Debian's chromium, driven by playwright-core.
// The Go test e2e_test.go starts the server and the SMART app and passes
// their addresses and the accounts in E2E_CONFIG (JSON). Every step prints
// a line; the first failure exits non-zero with the page's text.
import { chromium } from "playwright-core";
import { createHmac } from "node:crypto";

const cfg = JSON.parse(process.env.E2E_CONFIG);
const step = (s) => console.log("ok   " + s);

function totp(secret, t = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(t / 1000 / 30)));
  const h = createHmac("sha1", key).update(msg).digest();
  const off = h[h.length - 1] & 15;
  return String((h.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, "0");
}

async function expectText(page, selector, want) {
  const got = await page.locator(selector).first().innerText({ timeout: 15000 });
  if (!got.includes(want)) throw new Error(`${selector}: ${JSON.stringify(got)} does not contain ${JSON.stringify(want)}`);
}

async function signIn(page, user, password, code = "") {
  await page.goto(cfg.yitong + "/login");
  await page.fill("#username", user);
  await page.fill("#password", password);
  if (code) await page.fill("#totp", code);
  await page.click("#submit");
}

async function changePassword(page, current, next) {
  await page.waitForURL(/\/password$/);
  await page.fill("#current", current);
  await page.fill("#new", next);
  await page.fill("#repeat", next);
  await page.click("#submit");
  await expectText(page, "#done", cfg.lang === "en" ? "changed" : "密码已修改");
}

const browser = await chromium.launch({
  executablePath: cfg.chromium,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
let page;
try {
  // 1. The resident's first sign-in: the sign-in page in both languages,
  //    then the forced password change, then sign-out.
  let ctx = await browser.newContext({ locale: "zh-CN" });
  page = await ctx.newPage();
  await page.goto(cfg.yitong + "/login");
  await expectText(page, "h2", "登录");
  await page.click("#lang-switch");
  await expectText(page, "h2", "Sign in");
  await page.click("#lang-switch");
  await expectText(page, "h2", "登录");
  step("sign-in page in Chinese and English");
  await signIn(page, cfg.resident.username, "wrong-password-1");
  await expectText(page, "#error", "不正确");
  step("wrong password refused");
  await signIn(page, cfg.resident.username, cfg.resident.temporary);
  await changePassword(page, cfg.resident.temporary, cfg.resident.password);
  step("resident changed the temporary password");
  await page.goto(cfg.yitong + "/");
  await expectText(page, "#role", "居民");
  await page.click("#logout");
  await page.waitForURL(cfg.yitong + "/");
  await expectText(page, "#signin", "登录");
  step("resident home and sign-out");
  await signIn(page, cfg.resident.username, cfg.resident.password);
  await page.goto(cfg.yitong + "/consents");
  await expectText(page, "#none", "没有拒绝");
  await page.selectOption("#org", cfg.orgId);
  await page.click("#submit");
  await expectText(page, "#consents", "已拒绝访问");
  await page.click("button.withdraw");
  await expectText(page, "#consents", "已撤回");
  await page.click("#lang-switch");
  await expectText(page, "#consents", "Withdrawn");
  await page.click("#lang-switch");
  await page.click("#logout");
  step("resident refused and re-allowed an institution on the consent page");

  // 2. A SMART standalone launch with PKCE by fhirclient, from another
  //    origin: sign in, consent, the app reads the patient.
  const launch = `${cfg.app}/launch.html?iss=${encodeURIComponent(cfg.yitong + "/fhir")}&client_id=${cfg.clientId}`;
  await page.goto(launch);
  await page.waitForURL(/\/login\?next=/);
  await page.fill("#username", cfg.resident.username);
  await page.fill("#password", cfg.resident.password);
  await page.click("#submit");
  await page.waitForURL(/\/oauth\/authorize\?/);
  await expectText(page, "#client", cfg.clientName);
  await page.click("#allow");
  // fhirclient then drops code and state from the address bar.
  await page.waitForSelector("#result, #error", { timeout: 30000 });
  await expectText(page, "#result", "patient " + cfg.patientId + " " + cfg.patientName);
  step("SMART launch: fhirclient read Patient/" + cfg.patientId);
  await page.goto(cfg.yitong + "/access-log");
  await expectText(page, "#accesses", "本人");
  await expectText(page, "#accesses", "查看");
  step("the resident's access log lists the app's read");

  // 3. The same launch with a spoiled PKCE verifier fails.
  await page.goto(launch + "&tamper=1");
  await page.waitForURL(/\/oauth\/authorize\?/);
  await page.click("#allow");
  await page.waitForSelector("#result, #error", { timeout: 30000 });
  const err = await page.locator("#error").innerText({ timeout: 15000 });
  if (!/invalid_grant|400|Bad Request/i.test(err)) throw new Error("tampered launch: unexpected error " + JSON.stringify(err));
  if (await page.locator("#result").count() !== 0) throw new Error("tampered launch read data");
  step("SMART launch with a wrong PKCE verifier refused: " + err.slice(0, 80));
  await ctx.close();

  // 4. A doctor's first sign-in, in English: enrol the second factor,
  //    change the password, see the doctor's home, sign out, sign in
  //    again with a code.
  ctx = await browser.newContext({ locale: "en-US" });
  page = await ctx.newPage();
  cfg.lang = "en";
  await signIn(page, cfg.doctor.username, cfg.doctor.temporary);
  await page.waitForURL(/\/mfa$/);
  await expectText(page, "h2", "Set up two-factor authentication");
  const secret = (await page.locator("#secret").innerText()).trim();
  await page.fill("#code", totp(secret));
  await page.click("#submit");
  await changePassword(page, cfg.doctor.temporary, cfg.doctor.password);
  step("doctor enrolled TOTP and changed the password (English pages)");
  await page.goto(cfg.yitong + "/");
  await expectText(page, "#role", "Doctor");
  await page.click("#lang-switch");
  await expectText(page, "#role", "医生");
  step("doctor home in English and Chinese");
  await page.click("#logout");
  await signIn(page, cfg.doctor.username, cfg.doctor.password);
  await expectText(page, "#error", "不正确");
  await signIn(page, cfg.doctor.username, cfg.doctor.password, totp(secret, Date.now() + 30000));
  await page.waitForURL(cfg.yitong + "/");
  await expectText(page, "#role", "医生");
  step("doctor signs in again only with a second factor");
  // An EHR launch: the doctor launches the registered app for a patient in
  // their care from /launch; fhirclient takes iss and launch, the consent
  // page names the launch's patient, and the app reads that patient and
  // gets the doctor's Practitioner from the id token.
  await page.goto(cfg.yitong + "/launch");
  await expectText(page, "#patient", cfg.patientName);
  await page.selectOption("#patient", cfg.patientId);
  await page.selectOption("#client", cfg.ehrClientId);
  await page.click("#launch");
  await page.waitForURL(/\/oauth\/authorize\?/, { timeout: 30000 });
  await expectText(page, "#client", cfg.ehrClientName);
  await expectText(page, "#launch-patient", "Patient/" + cfg.patientId);
  await page.click("#allow");
  await page.waitForSelector("#result, #error", { timeout: 30000 });
  await expectText(page, "#result", "patient " + cfg.patientId + " " + cfg.patientName);
  await expectText(page, "#user", "user Practitioner/" + cfg.practitionerId);
  await expectText(page, "#btg", "btg ok");
  step("EHR launch: fhirclient read Patient/" + cfg.patientId + " as Practitioner/" + cfg.practitionerId + ", once with break-the-glass");
  // A phone-sized screen: the sign-in form fits without scrolling sideways.
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto(cfg.yitong + "/login");
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (width > 375) throw new Error("the sign-in page is wider than a phone: " + width);
  step("pages fit a phone screen");
  await ctx.close();

  // 5. An institution admin registers a doctor (备案), in Chinese.
  ctx = await browser.newContext({ locale: "zh-CN" });
  page = await ctx.newPage();
  cfg.lang = "zh";
  await signIn(page, cfg.admin.username, cfg.admin.temporary);
  await page.waitForURL(/\/mfa$/);
  const adminSecret = (await page.locator("#secret").innerText()).trim();
  await page.fill("#code", totp(adminSecret));
  await page.click("#submit");
  await changePassword(page, cfg.admin.temporary, cfg.admin.password);
  await page.goto(cfg.yitong + "/admin/practitioners");
  const since = new Date(Date.now() - 2 * 365 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  const register = async (sinceDate) => {
    await page.fill("#name", "周医生");
    await page.selectOption("#role", "doctor");
    await page.selectOption("#category", "clinical");
    await page.fill("#licence", "110101199001011234");
    await page.fill("#scope", "内科专业");
    await page.fill("#since", sinceDate);
    await page.check("#consent");
    await page.click("#submit");
  };
  await register(since);
  await expectText(page, "#error", "3 年以上独立临床工作经验");
  await register("2015-06-01");
  await expectText(page, "#done", "A5");
  await expectText(page, "#registrations", "周医生");
  await page.click("#lang-switch");
  await expectText(page, "#registrations", "Active");
  step("institution admin registered a doctor (rule A5 refused two years, took eleven)");
  await ctx.close();

  // 6. The regulator of the patient's region is told of the doctor's
  //    break-the-glass read and records a verdict, in Chinese and English.
  ctx = await browser.newContext({ locale: "zh-CN" });
  page = await ctx.newPage();
  await signIn(page, cfg.regulator.username, cfg.regulator.temporary);
  await page.waitForURL(/\/mfa$/);
  const regSecret = (await page.locator("#secret").innerText()).trim();
  await page.fill("#code", totp(regSecret));
  await page.click("#submit");
  await changePassword(page, cfg.regulator.temporary, cfg.regulator.password);
  await page.goto(cfg.yitong + "/");
  await expectText(page, "#btg-count", "1");
  await page.click("#nav-btg");
  await expectText(page, "#btg", "E2E 急诊抢救");
  await page.check("form.review input[value=unjustified]");
  await page.click("form.review button");
  await expectText(page, "#error", "须填写说明");
  await page.check("form.review input[value=justified]");
  await page.fill("form.review input[name=note]", "患者昏迷，情况属实");
  await page.click("form.review button");
  await expectText(page, "#saved", "已记录");
  await expectText(page, "#btg", "理由成立");
  await page.click("#lang-switch");
  await expectText(page, "#btg", "Justified");
  await page.goto(cfg.yitong + "/");
  if (await page.locator("#btg-count").count() !== 0) throw new Error("the home page still announces a reviewed access");
  step("regulator reviewed the break-the-glass read (Chinese and English)");
  await ctx.close();
  console.log("E2E PASS");
} catch (e) {
  console.log("FAIL " + (e && e.stack || e));
  if (page) console.log("page " + page.url() + ":\n" + (await page.locator("body").innerText().catch(() => "")).slice(0, 2000));
  process.exitCode = 1;
} finally {
  await browser.close();
}
