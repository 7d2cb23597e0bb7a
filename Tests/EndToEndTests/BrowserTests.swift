import Foundation
import Ringway
import RingwayDemo
import Testing

@Suite("The chat page in a real browser")
struct BrowserTests {
    /// Two headless Chromium pages in one room: the join notice and count show up, typing
    /// in one page shows the indicator in the other, a message sent from one page appears in
    /// the other with its user, and closing one page shows the leave with the new count.
    static let script = #"""
        import re, sys
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
        port = sys.argv[1]
        def browser():
            options = webdriver.ChromeOptions()
            for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
                options.add_argument(flag)
            return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        def log(driver):
            return driver.find_element(By.ID, "log").text
        alice, bob = browser(), browser()
        try:
            base = f"http://127.0.0.1:{port}/chat?room=garden"
            alice.get(base)
            WebDriverWait(alice, 15).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "open")
            WebDriverWait(alice, 15).until(lambda d: "joined the room (1 online)" in log(d))
            bob.get(base)
            WebDriverWait(bob, 15).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "open")
            WebDriverWait(alice, 15).until(lambda d: "joined the room (2 online)" in log(d))
            assert alice.find_element(By.ID, "count").text == "2"
            bob_id = re.findall(r"User (\d+) joined the room \(2 online\)", log(alice))[-1]
            alice_id = re.findall(r"User (\d+) joined the room \(1 online\)", log(alice))[-1]
            box = alice.find_element(By.ID, "message")
            box.send_keys("hello from alice")
            WebDriverWait(bob, 15).until(lambda d: d.find_element(By.ID, "typing").text == f"User {alice_id} is typing…")
            assert alice.find_element(By.ID, "typing").text == ""   # no typing notice of our own
            alice.find_element(By.CSS_SELECTOR, "#send button").click()
            WebDriverWait(bob, 15).until(lambda d: f"User {alice_id}: hello from alice" in log(d))
            assert re.search(r"\d.*User " + alice_id + ": hello from alice", log(bob)), log(bob)   # with its time
            bob.quit()
            bob = None
            WebDriverWait(alice, 15).until(lambda d: f"User {bob_id} left the room (1 online)" in log(d))
            assert alice.find_element(By.ID, "count").text == "1"
            print("ok")
        finally:
            alice.quit()
            if bob: bob.quit()
        """#

    @Test("two Chromium pages chat in one room", arguments: BackendKind.concrete)
    func twoPagesChat(backend: BackendKind) async throws {
        guard let python = ExternalProcess.find("python3") else { try Test.cancel("python3 is not installed") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") else {
            try Test.cancel("chromium-driver is not installed (scripts/bootstrap installs it)")
        }
        let probe = try await ExternalProcess.run(python, ["-c", "import selenium"])
        if probe.status != 0 { try Test.cancel("Python selenium is missing (scripts/bootstrap installs it)") }
        try await withServer(DemoApp(), backend: backend) { (_: Server, port: Int) async throws in
            let result = try await ExternalProcess.run(python, ["-c", Self.script, String(port)], timeout: .seconds(120))
            #expect(result.status == 0, "\(result.errors.suffix(3000))")
            #expect(result.output == "ok\n")
        }
    }
}
