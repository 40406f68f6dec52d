"""The web app in headless Chromium against a real server (started by scripts/webapp-test.sh).

A wrong password shows the error; the admin signs in, uploads a generated video (the progress
bar counts bytes), opens its analysis, drags a range on the timeline and asks for two
highlights, watches the job's progress bar reach done without a reload, plays a clip (its
currentTime advances) and downloads it (ffprobe reads an MP4 with video); the admin pages show
users, a new API key once, the audit log, the analytics and the data page (storage, retention); a viewer sees no upload; the pages
fit a phone's width. A screenshot of each step goes to $CLIPGEN_SCREENSHOTS.
"""
import json
import os
import pathlib
import subprocess
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ["CLIPGEN_URL"]
ADMIN = (os.environ["CLIPGEN_ADMIN_EMAIL"], os.environ["CLIPGEN_ADMIN_PASSWORD"])
VIDEO = os.environ["WEBAPP_VIDEO"]
SHOTS = pathlib.Path(os.environ["CLIPGEN_SCREENSHOTS"])
DOWNLOADS = pathlib.Path(os.environ["WEBAPP_DOWNLOADS"])
VIEWER = ("viewer@webapp.test", "viewer-password-long")


def api(method, path, body=None, token=None):
    request = urllib.request.Request(BASE + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


class Run:
    def __init__(self):
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob("*.png"):
            old.unlink()
        DOWNLOADS.mkdir(parents=True, exist_ok=True)
        options = webdriver.ChromeOptions()
        for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                         "--autoplay-policy=no-user-gesture-required", "--disable-gpu"]:
            options.add_argument(argument)
        options.binary_location = "/usr/bin/chromium"
        options.add_experimental_option("prefs", {"download.default_directory": str(DOWNLOADS), "download.prompt_for_download": False})
        # The driver Debian ships; selenium would otherwise try to download one.
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(DOWNLOADS)})
        self.step_number = 0

    def shot(self, name):
        self.step_number += 1
        path = SHOTS / f"{self.step_number:02d}-{name}.png"
        self.driver.save_screenshot(str(path))
        print(f"webapp-test: {path.name}", flush=True)

    def wait(self, condition, timeout=30, message=""):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(lambda d: condition())
        except Exception as error:
            self.shot("failure")
            raise AssertionError(f"{message} (waited {timeout} s)") from error

    def find(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def finds(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def visible(self, selector):
        elements = self.finds(selector)
        return elements[0] if elements and elements[0].is_displayed() else None

    def sign_in(self, email, password):
        self.driver.get(BASE + "/#/signin")
        self.wait(lambda: self.visible("#email"), message="the sign-in form shows")
        self.find("#email").clear()
        self.find("#email").send_keys(email)
        self.find("#password").clear()
        self.find("#password").send_keys(password)
        self.find("#sign-in").click()

    def sign_out(self):
        self.find("#sign-out").click()
        self.wait(lambda: self.visible("#email"), message="signing out shows the sign-in form")


def main():
    admin_token = api("POST", "/v1/auth/token", {"email": ADMIN[0], "password": ADMIN[1]})["accessToken"]
    api("POST", "/v1/users", {"email": VIEWER[0], "password": VIEWER[1], "role": "viewer"}, admin_token)
    run = Run()
    d = run.driver
    try:
        # A wrong password: the API's words on the page.
        run.sign_in(ADMIN[0], "not-the-password")
        run.wait(lambda: run.visible("#error") and "wrong email or password" in run.find("#error").text, message="the error is shown")
        run.shot("wrong-password")

        run.sign_in(*ADMIN)
        run.wait(lambda: run.visible("#upload-zone"), message="the admin sees the upload zone")
        assert run.find("#whoami").text.startswith(ADMIN[0]), run.find("#whoami").text
        run.shot("signed-in")

        # A slow upload, cancelled half-way: the bar moves by bytes, the cancel stops it, nothing is kept.
        junk = DOWNLOADS.parent / "large.bin"
        junk.write_bytes(os.urandom(16 << 20))
        d.execute_cdp_cmd("Network.enable", {})
        d.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                                "uploadThroughput": 2 << 20})
        run.find("#file-input").send_keys(str(junk))
        run.wait(lambda: 0 < float(run.find("#upload-progress").get_attribute("value") or 0) < 0.8, message="the slow upload is under way")
        sent = run.find("#upload-status").text
        assert " of 16.8 MB" in sent, f"progress in bytes of the total: {sent}"
        run.shot("upload-in-progress")
        run.find("#upload-cancel").click()
        run.wait(lambda: run.find("#upload-status").text == "upload cancelled", message="the upload is cancelled")
        d.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        time.sleep(1)
        assert api("GET", "/v1/uploads", token=admin_token)["items"] == [], "a cancelled upload is not kept"
        assert not run.visible("#upload-cancel"), "nothing left to cancel"

        # A preset saved over the API, for the source page to offer.
        api("PUT", "/v1/presets/house", {"description": "house style", "settings": {"output": {"normalizeAudio": True}}}, admin_token)

        # Upload: progress reported in bytes, then the source's analysis job.
        d.execute_script("""
            window.__progress = [];
            new MutationObserver(() => window.__progress.push(document.querySelector('#upload-status').textContent))
              .observe(document.querySelector('#upload-status'), {childList: true, characterData: true, subtree: true});""")
        run.find("#file-input").send_keys(VIDEO)
        run.wait(lambda: "#/sources/" in d.current_url, timeout=60, message="the upload finishes and opens the source")
        seen = d.execute_script("return window.__progress || []")
        assert any(" of " in text for text in seen), f"the progress counted bytes: {seen}"
        run.wait(lambda: run.visible("#timeline"), timeout=120, message="the analysis finishes and the timeline is drawn")
        run.wait(lambda: len(run.finds("#storyboard .tile")) > 0, message="the storyboard strip shows")
        assert len(run.finds("#timeline .cut")) >= 5, "the cuts are drawn"
        assert run.finds("#timeline .highlight"), "the highlights are drawn"
        assert run.finds("#timeline path.loudness"), "the loudness curve is drawn"
        assert run.finds("#timeline rect.silence") and run.finds("#timeline rect.black"), "silent and black stretches are drawn"
        run.wait(lambda: d.execute_script("return document.querySelector('#player').readyState >= 1"), message="the player loads the source")
        run.shot("source-analysis")

        # Pick 2–8 s by dragging on the timeline (30 s wide), then two highlights of 3–6 s.
        timeline = run.find("#timeline")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", timeline)
        width = timeline.size["width"]
        left = -width / 2
        ActionChains(d).move_to_element_with_offset(timeline, int(left + width * 2 / 30), 0).click_and_hold() \
            .move_by_offset(int(width * 6 / 30), 0).release().perform()
        start, end = float(run.find("#range-start").get_attribute("value")), float(run.find("#range-end").get_attribute("value"))
        assert abs(start - 2) < 0.5 and abs(end - 8) < 0.5, f"the dragged range is about 2–8 s: {start}–{end}"
        assert run.find("#selection").get_attribute("visibility") == "visible"
        run.find("#add-range").click()
        assert len(run.finds("#ranges li")) == 1
        for selector, value in [("#hl-count", "2"), ("#hl-min", "3"), ("#hl-max", "6")]:
            run.find(selector).clear()
            run.find(selector).send_keys(value)
        d.execute_script("const a = document.querySelector('#aspect'); a.value = '9:16'; a.dispatchEvent(new Event('input'));")
        run.wait(lambda: run.visible("#crop-preview"), message="the 9:16 crop window is previewed")
        d.execute_script("const a = document.querySelector('#aspect'); a.value = 'original'; a.dispatchEvent(new Event('input'));")
        options = [o.get_attribute("value") for o in run.finds("#captions option")]
        assert options == ["", "karaoke", "plain", "boxed"], f"caption styles offered: {options}"
        assert [o.get_attribute("value") for o in run.finds("#reframe option")] == ["center", "face", "fit"]
        assert run.find("#remove-silences") and run.find("#hl-query")
        assert run.find("#remove-fillers") and run.find("#join-ranges") and run.find("#chapters") and run.find("#crossfade")
        run.wait(lambda: run.finds('#preset option[value="house"]'), message="the organisation's presets are offered")
        run.shot("clips-requested")
        run.find("#submit-job").click()
        run.wait(lambda: "#/jobs/" in d.current_url, message="the job page opens")

        # The job page follows the job over the WebSocket: no reload between queued and done.
        d.execute_script("window.__sameDocument = true;")
        values = set()

        def done():
            values.add(float(run.find("#job-progress").get_attribute("value") or 0))
            return run.find("#job-status").text == "succeeded" and len(run.finds(".clip video")) == 3

        run.wait(done, timeout=240, message="the job succeeds with three clips shown")
        assert d.execute_script("return window.__sameDocument === true"), "the page was not reloaded"
        # The last value read inside `done` can precede the status's update: read it once more.
        values.add(float(run.find("#job-progress").get_attribute("value")))
        assert float(run.find("#job-progress").get_attribute("value")) == 1
        assert not run.visible("#cancel-job"), "a finished job offers no cancel"
        names = [card.find_element(By.CSS_SELECTOR, "h3").text for card in run.finds(".clip")]
        assert names[0].startswith("Clip 1") and names[1].startswith("highlight-1"), f"clips in the job's order: {names}"
        assert len([v for v in values if 0 <= v < 1]) >= 1 and 1 in values, f"the progress bar moved: {sorted(values)}"
        figures = run.find(".clip .figures").text
        assert "PSNR" in figures and "SSIM" in figures, figures
        run.shot("job-done")

        # The jobs list follows jobs live too: one submitted elsewhere appears and finishes, no reload.
        d.get(BASE + "/#/")
        run.wait(lambda: run.finds("#jobs tr"), message="the jobs list shows")
        d.execute_script("window.__sameDocument = true;")
        upload_id = api("GET", "/v1/uploads", token=admin_token)["items"][0]["id"]
        other = api("POST", "/v1/jobs", {"source": {"uploadId": upload_id}, "clips": [{"start": 10, "end": 16}],
                                         "output": {"mode": "exact", "normalizeAudio": True}}, admin_token)["id"]
        row = f'#jobs tr[data-job-id="{other}"]'
        run.wait(lambda: run.finds(row), message="a job submitted elsewhere appears in the list")
        run.wait(lambda: run.find(f"{row} .status").text == "succeeded" and float(run.find(f"{row} progress").get_attribute("value")) == 1,
                 timeout=120, message="its row reaches succeeded")
        assert d.execute_script("return window.__sameDocument === true"), "the list was not reloaded"
        run.shot("jobs-list-live")
        d.back()
        run.wait(lambda: len(run.finds(".clip video")) == 3, message="back on the job page")

        # Play the first clip: its currentTime advances.
        video = run.find(".clip video")
        d.execute_script("arguments[0].muted = true; arguments[0].play();", video)
        run.wait(lambda: d.execute_script("return arguments[0].currentTime", video) > 0.3, message="the clip plays")
        run.shot("clip-playing")

        # Download it: an MP4 with a video stream.
        run.find(".clip a.download").click()
        run.wait(lambda: [f for f in DOWNLOADS.glob("*.mp4")] and not list(DOWNLOADS.glob("*.crdownload")), timeout=60,
                 message="the download completes")
        downloaded = next(DOWNLOADS.glob("*.mp4"))
        probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(downloaded)],
                                          capture_output=True, check=True, text=True).stdout)
        assert "mp4" in probe["format"]["format_name"], probe["format"]
        assert any(s["codec_type"] == "video" for s in probe["streams"]), probe["streams"]

        # The job's clips as an edit: the FCPXML and OTIO links save files with all three clips.
        assert run.visible("#timeline-export"), "a job with clips offers its timeline"
        for fmt, count in (("fcpxml", lambda text: text.count("<asset-clip ")),
                           ("otio", lambda text: len(json.loads(text)["tracks"]["children"][0]["children"]))):
            run.find(f'#timeline-export a[data-format="{fmt}"]').click()
            run.wait(lambda: list(DOWNLOADS.glob(f"*.{fmt}")) and not list(DOWNLOADS.glob("*.crdownload")), timeout=60,
                     message=f"the {fmt} timeline downloads")
            saved = next(DOWNLOADS.glob(f"*.{fmt}")).read_text()
            assert count(saved) == 3, f"{fmt}: {saved[:400]}"

        # Render the first clip again, one second shorter and vertical: a new job with the new version.
        first_job = d.current_url
        panel = run.find(".clip details.render-again")
        panel.find_element(By.CSS_SELECTOR, "summary").click()
        # The trim handles: the end moved a second earlier from the keyboard (ten tenths), the start
        # dragged later with the pointer; the fields follow them.
        end = panel.find_element(By.CSS_SELECTOR, "input[name=end]")
        start = panel.find_element(By.CSS_SELECTOR, "input[name=start]")
        shorter = round(float(end.get_attribute("value")) - 1, 2)
        first_start = float(start.get_attribute("value"))
        end_handle = panel.find_element(By.CSS_SELECTOR, ".trim-end")
        end_handle.click()
        for _ in range(10):
            end_handle.send_keys(Keys.ARROW_LEFT)
        run.wait(lambda: abs(float(end.get_attribute("value")) - shorter) < 0.011, message="the end handle moves the end")
        assert end_handle.get_attribute("aria-valuenow") == f"{shorter:.2f}", end_handle.get_attribute("aria-valuenow")
        ActionChains(d).drag_and_drop_by_offset(panel.find_element(By.CSS_SELECTOR, ".trim-start"), 25, 0).perform()
        run.wait(lambda: float(start.get_attribute("value")) > first_start + 0.05, message="dragging the start handle moves the start")
        assert float(start.get_attribute("value")) < shorter - 0.05, "the start stays before the end"
        # Typing moves the handle back.
        start.clear()
        start.send_keys(str(first_start))
        run.wait(lambda: abs(float(panel.find_element(By.CSS_SELECTOR, ".trim-start").get_attribute("aria-valuenow")) - first_start) < 0.011,
                 message="a typed start moves its handle")
        Select(panel.find_element(By.CSS_SELECTOR, "select[name=aspect]")).select_by_value("9:16")
        run.shot("render-again")
        panel.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        run.wait(lambda: d.current_url != first_job and run.find("#job-status").text == "succeeded"
                 and len(run.finds(".clip video")) == 1, timeout=120, message="the new version renders")
        version = run.find(".clip video")
        run.wait(lambda: d.execute_script("return arguments[0].videoHeight", version) > 0, message="the new version loads")
        width, height = d.execute_script("return [arguments[0].videoWidth, arguments[0].videoHeight]", version)
        assert height > width, f"the new version is vertical: {width}x{height}"
        run.shot("rendered-again")

        # Admin pages.
        d.get(BASE + "/#/admin/users")
        run.wait(lambda: any(VIEWER[0] in row.text for row in run.finds("#users tr")), message="the users page lists the viewer")
        run.shot("admin-users")
        d.get(BASE + "/#/keys")
        run.wait(lambda: run.visible("#new-key-name"), message="the API keys page shows")
        run.find("#new-key-name").send_keys("web test")
        run.find("#new-key-name").submit()
        run.wait(lambda: run.visible("#new-key") and run.find("#new-key").text.startswith("cgk_"), message="the new key is shown once")
        run.shot("api-key-created")
        d.refresh()
        run.wait(lambda: any("web test" in row.text for row in run.finds("#keys tr")), message="the key is listed")
        assert not run.finds("#new-key"), "the key is not shown again"
        # A crafted link (round 3's L8): the id from the address is not put into an API path, so
        # the app never calls another route with the admin's token.
        d.execute_script("""
            window.__requests = [];
            const original = window.fetch;
            window.fetch = (url, options) => { window.__requests.push(String(url)); return original(url, options); };""")
        for crafted in ["#/jobs/x\\..\\..\\webhook-secret?", "#/jobs/..%2F..%2Fwebhook-secret", "#/sources/x/..%5C..%5Cusers"]:
            d.execute_script("location.hash = arguments[0]", crafted)
            run.wait(lambda: any("Nothing here" in h.text for h in run.finds("h2")), message=f"{crafted} is not a page")
        time.sleep(0.5)
        called = d.execute_script("return window.__requests")
        assert not any("webhook-secret" in url or "/v1/users" in url for url in called), f"a crafted id reached the API: {called}"
        run.shot("crafted-link")
        d.get(BASE + "/#/admin/audit")
        run.wait(lambda: len(run.finds("#audit tr")) > 3, message="the audit log shows entries")
        run.shot("admin-audit")
        d.get(BASE + "/#/admin/analytics")
        run.wait(lambda: len(run.finds("#chart-jobs rect")) >= 1 and run.finds("#analytics-stages tr"), message="the analytics charts show")
        run.shot("admin-analytics")
        d.get(BASE + "/#/admin/data")
        run.wait(lambda: len(run.finds("#storage-use dd")) == 3 and "B" in run.finds("#storage-use dd")[0].text
                 and run.finds("#retention tr"), message="the data page shows storage use and retention")
        assert run.finds("#storage-use dd")[0].text != "0 B", "the uploads and clips count as stored"
        audit_row = next(row for row in run.finds("#retention tr") if row.text.startswith("Audit entries"))
        assert "90 days" in audit_row.text, audit_row.text
        run.find("#retention-uploads").send_keys("30")
        run.find("#retention-save").click()
        run.wait(lambda: api("GET", "/v1/retention", token=admin_token)["own"].get("uploads") == 30, message="the retention is saved")
        run.wait(lambda: "30 days" in next(row for row in run.finds("#retention tr") if row.text.startswith("Uploads")).text,
                 message="the page shows what applies now")
        run.shot("admin-data")

        # Presets: one saved from the page is listed and usable, and deleted again.
        d.get(BASE + "/#/presets")
        run.wait(lambda: run.finds('#presets tr[data-preset="house"]'), message="the presets page lists the saved one")
        run.find("#preset-name").send_keys("shorts")
        run.find("#preset-description").send_keys("phones")
        run.find("#preset-save").click()
        run.wait(lambda: run.finds('#presets tr[data-preset="shorts"]'), message="a preset saved on the page is listed")
        saved = api("GET", "/v1/presets/shorts", token=admin_token)
        assert saved["description"] == "phones" and saved["settings"]["output"]["aspect"] == "9:16", saved
        run.shot("presets")
        run.find('#presets tr[data-preset="shorts"] button.delete').click()
        run.wait(lambda: not run.finds('#presets tr[data-preset="shorts"]'), message="the deleted preset goes")

        # A batch: the house preset over the uploaded video, live to the end, every clip in one ZIP.
        d.get(BASE + "/#/batches")
        run.wait(lambda: run.finds("#batch-uploads input[type=checkbox]"), message="the batch form offers the uploads")
        run.wait(lambda: run.finds('#batch-preset option[value="house"]'), message="the batch form offers the presets")
        run.find("#batch-uploads input[type=checkbox]").click()
        Select(run.find("#batch-preset")).select_by_value("house")
        run.find("#batch-name").send_keys("nightly")
        run.find("#batch-job").clear()
        run.find("#batch-job").send_keys('{"clips": [{"start": 0, "end": 2}], "thumbnails": false}')
        run.find("#batch-start").click()
        run.wait(lambda: "#/batches/" in d.current_url, message="the new batch opens")
        run.wait(lambda: run.finds("#batch-jobs tr"), message="the batch lists its job")
        run.wait(lambda: run.find("#batch-status").text == "succeeded", timeout=180, message="the batch finishes live")
        assert "1 succeeded" in run.find("#batch-counts").text, run.find("#batch-counts").text
        run.wait(lambda: run.visible("#batch-zip"), message="the ZIP link shows once a clip exists")
        href = run.find("#batch-zip").get_attribute("href")
        assert "access_token=" in href, href
        with urllib.request.urlopen(href) as response:
            archive = response.read()
        assert archive[:2] == b"PK" and b"clip-0.mp4" in archive, f"a ZIP of the clip: {archive[:64]!r}"
        batch_id = d.current_url.rsplit("/", 1)[1]
        assert api("GET", f"/v1/batches/{batch_id}", token=admin_token)["preset"] == "house"
        run.shot("batch")
        d.get(BASE + "/#/batches")
        run.wait(lambda: run.finds(f'#batches tr[data-batch-id="{batch_id}"]'), message="the batches page lists it")

        # A narrow window: nothing wider than the screen.
        d.set_window_size(390, 844)
        d.get(d.current_url.split("#")[0] + "#/")
        run.wait(lambda: run.finds("#jobs tr"), message="the jobs list shows on a phone")
        run.shot("narrow-window")
        overflow = d.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"the page is {overflow} px wider than a phone's screen"
        d.set_window_size(1280, 1000)

        # A viewer sees the jobs, and no upload.
        run.sign_out()
        run.sign_in(*VIEWER)
        run.wait(lambda: run.visible("#whoami") and "viewer" in run.find("#whoami").text, message="the viewer signs in")
        run.wait(lambda: run.finds("#jobs tr"), message="the viewer sees the jobs")
        assert not run.finds("#upload-zone") and not run.finds("#file-input"), "a viewer sees no upload"
        assert not run.finds("#uploads button.analyse"), "a viewer cannot start jobs"
        run.shot("viewer")
        print(f"webapp-test: passed; screenshots in {SHOTS}")
    finally:
        logs = [entry for entry in d.get_log("browser") if entry["level"] == "SEVERE"] if hasattr(d, "get_log") else []
        for entry in logs:
            print(f"webapp-test: browser console: {entry['message']}", file=sys.stderr)
        d.quit()


if __name__ == "__main__":
    try:
        main()
    except AssertionError as error:
        print(f"webapp-test: FAILED: {error}", file=sys.stderr)
        sys.exit(1)
