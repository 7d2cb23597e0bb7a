import Foundation

/// Bodies recorded from real clients (Python requests 2.34.2, httpx 0.28.1, curl 7.88.1 `-F`),
/// kept as base64 so the test target needs no resources. Recorded by preparing the requests
/// without sending them (requests, httpx) and by a loopback socket capturing curl's upload.
enum MultipartFixtures {
    struct Fixture: Sendable {
        var client: String
        var contentType: String
        var body: [UInt8]
    }

    static let all: [Fixture] = [requests, httpx, curl]

    /// `requests`
    static let requests = Fixture(
        client: "requests",
        contentType: "multipart/form-data; boundary=dc30ac26a0bf03379d57418b5969f0c0",
        body: decode([
        "LS1kYzMwYWMyNmEwYmYwMzM3OWQ1NzQxOGI1OTY5ZjBjMA0KQ29udGVudC1EaXNwb3NpdGlvbjogZm9ybS1kYXRhOyBuYW1lPSJ0",
        "aXRsZSINCg0KSGVsbG8NCi0tZGMzMGFjMjZhMGJmMDMzNzlkNTc0MThiNTk2OWYwYzANCkNvbnRlbnQtRGlzcG9zaXRpb246IGZv",
        "cm0tZGF0YTsgbmFtZT0idGFnIg0KDQphDQotLWRjMzBhYzI2YTBiZjAzMzc5ZDU3NDE4YjU5NjlmMGMwDQpDb250ZW50LURpc3Bv",
        "c2l0aW9uOiBmb3JtLWRhdGE7IG5hbWU9InRhZyINCg0KYg0KLS1kYzMwYWMyNmEwYmYwMzM3OWQ1NzQxOGI1OTY5ZjBjMA0KQ29u",
        "dGVudC1EaXNwb3NpdGlvbjogZm9ybS1kYXRhOyBuYW1lPSJ1cGxvYWQiOyBmaWxlbmFtZT0icmVwb3J0LnR4dCINCkNvbnRlbnQt",
        "VHlwZTogdGV4dC9wbGFpbg0KDQpsaW5lMQ0KbGluZTINCi0tbm90LWEtYm91bmRhcnkNCg0KLS1kYzMwYWMyNmEwYmYwMzM3OWQ1",
        "NzQxOGI1OTY5ZjBjMC0tDQo=",
        ]))

    /// `httpx`
    static let httpx = Fixture(
        client: "httpx",
        contentType: "multipart/form-data; boundary=0d5ff563e1b0ac0b39c2bced1cc7eb83",
        body: decode([
        "LS0wZDVmZjU2M2UxYjBhYzBiMzljMmJjZWQxY2M3ZWI4Mw0KQ29udGVudC1EaXNwb3NpdGlvbjogZm9ybS1kYXRhOyBuYW1lPSJr",
        "ZXkiDQoNCnYxDQotLTBkNWZmNTYzZTFiMGFjMGIzOWMyYmNlZDFjYzdlYjgzDQpDb250ZW50LURpc3Bvc2l0aW9uOiBmb3JtLWRh",
        "dGE7IG5hbWU9ImtleSINCg0KdjINCi0tMGQ1ZmY1NjNlMWIwYWMwYjM5YzJiY2VkMWNjN2ViODMNCkNvbnRlbnQtRGlzcG9zaXRp",
        "b246IGZvcm0tZGF0YTsgbmFtZT0iZmlsZSI7IGZpbGVuYW1lPSJyw6lzdW3DqSAlMjIxJTIyLmJpbiINCkNvbnRlbnQtVHlwZTog",
        "YXBwbGljYXRpb24vb2N0ZXQtc3RyZWFtDQoNCgABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0u",
        "LzAxMjM0NTY3ODk6Ozw9Pj9AQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2BhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5",
        "ent8fX5/gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp+goaKjpKWmp6ipqqusra6vsLGys7S1tre4ubq7vL2+v8DBwsPE",
        "xcbHyMnKy8zNzs/Q0dLT1NXW19jZ2tvc3d7f4OHi4+Tl5ufo6err7O3u7/Dx8vP09fb3+Pn6+/z9/v8AAQIDBAUGBwgJCgsMDQ4P",
        "EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFla",
        "W1xdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKi4yNjo+QkZKTlJWWl5iZmpucnZ6foKGio6Sl",
        "pqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr/AwcLDxMXGx8jJysvMzc7P0NHS09TV1tfY2drb3N3e3+Dh4uPk5ebn6Onq6+zt7u/w",
        "8fLz9PX29/j5+vv8/f7/AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7",
        "PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWG",
        "h4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR",
        "0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhsc",
        "HR4fICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9AQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2BhYmNkZWZn",
        "aGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp+goaKjpKWmp6ipqqusra6vsLGy",
        "s7S1tre4ubq7vL2+v8DBwsPExcbHyMnKy8zNzs/Q0dLT1NXW19jZ2tvc3d7f4OHi4+Tl5ufo6err7O3u7/Dx8vP09fb3+Pn6+/z9",
        "/v8NCi0tMGQ1ZmY1NjNlMWIwYWMwYjM5YzJiY2VkMWNjN2ViODMtLQ0K",
        ]))

    /// `curl`
    static let curl = Fixture(
        client: "curl",
        contentType: "multipart/form-data; boundary=------------------------7e0d843110e53d4e",
        body: decode([
        "LS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS03ZTBkODQzMTEwZTUzZDRlDQpDb250ZW50LURpc3Bvc2l0aW9uOiBmb3JtLWRhdGE7",
        "IG5hbWU9ImtleSINCg0KdjENCi0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tN2UwZDg0MzExMGU1M2Q0ZQ0KQ29udGVudC1EaXNw",
        "b3NpdGlvbjogZm9ybS1kYXRhOyBuYW1lPSJrZXkiDQoNCnYyDQotLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLTdlMGQ4NDMxMTBl",
        "NTNkNGUNCkNvbnRlbnQtRGlzcG9zaXRpb246IGZvcm0tZGF0YTsgbmFtZT0ibm90ZSI7IGZpbGVuYW1lPSJub3RlLnR4dCINCkNv",
        "bnRlbnQtVHlwZTogdGV4dC9wbGFpbg0KDQpoZWxsbyBmcm9tIGN1cmwNCi0tYWxtb3N0DQplbmQNCi0tLS0tLS0tLS0tLS0tLS0t",
        "LS0tLS0tLS0tN2UwZDg0MzExMGU1M2Q0ZQ0KQ29udGVudC1EaXNwb3NpdGlvbjogZm9ybS1kYXRhOyBuYW1lPSJibG9iIjsgZmls",
        "ZW5hbWU9ImJsb2IuYmluIg0KQ29udGVudC1UeXBlOiBhcHBsaWNhdGlvbi9vY3RldC1zdHJlYW0NCg0KwmuGNnF22zm30draO25t",
        "Yp4N6CstUAywJKYl0XyaXgbypvhUdUbkofrslCWoZXs7qTiulFucsM3CYAlx6zg519T7lHPplSjGdcFirpVnDGVc56UQ7kzlYa7J",
        "Uqj+1Y+mYL6lifxqXdSsaEEIuVv6XIlTLb8yJ3XWt/B/kTC4LDCIYVONTVP8NoC0VtqBZmbMQl5fjuwpaf2kBibMw5ABOo5zuCIu",
        "0ytXoaiyZOxZom6E2UOYidEorMQpfJiszuXc7bJ30FvgffwHWzcFaZYZw4e/hvhWZVjMIvjWIGum7zdcwfjzI4uUug5hoaPaquKO",
        "jlECuuKoE7gSZYz3qtxgx1/OSLj8VuI1ouwFbViLM7UMbUUgAg5gJQPIKpPJDrIYHEmoOhKmJM+6TeFGj6h/kmFuooBVaT+LYS1/",
        "+zNC/SP56dmo4KN2qie/SIhqShhIB4I1G8xXnkageJ0qPZW5BM7GtVi8d0uf+5xtrcFGIkkuvf5YoS1AgN+NtQgh6+m0HVD2Ka8Y",
        "sIdi2zXSb4C5KB/1Ivr2purcqUEKXJkgRK6fODyVJoploscK8rU+P8RfCRc6pKLPtYZZWVY37uxATJnSc9x1CwsdADnh0iuaxF6J",
        "+Jm2KaDbvu6iim6Yg50EfekcYdEGRqUu1PuQCltaO8q9Tsp87RWV3WFrymwuDHIU41/2okFPL5uAy2wJIqpDlgCsrwEM6zrcfGnw",
        "Xks1POXTWyDKQeqp2ahQm+u2nL1ohGNTzYv0Dzi2S0cGMeHA6bh46rgkHfPQxIQkc3LreHe3TBZ5y4HofbpsXDQCY0FOo3o4xRFl",
        "hU3+841yqgOwWR13tWyCVS0+NPQOWiFskhiUbX03XJFxv9PvuG8xRFFA43LmRMFvOFKDOyLlWDDvdtEnNnpoFmE3u1H6KDF3zIm3",
        "4lKvTXnkyIWNIYjWFD9yK1U4GV6IPPc+OuP5yntpxoOphuuBZwM++kF0knfVv5gmfFSoa/triP/V2/q+nDqUIxqR6elBt4RZacZy",
        "MmriIXpa6XSA5aatoCi+zwT5vyEowN8HQQIP/U6eiokVKlvWE4KmKnrCn4wZJ36hniXN5DrLvkY6slzNQuzj9XjSAmoipPDNdm+Z",
        "UB3YHeMH8M/DRaLpYx7ivAxvnRaUoA5K9yfRu2EOiqiElUQ0JYAAsh1FG7Pfps7zWVqkyTxHheQwMMmfeDJ52MxISppLhqhRp/Pf",
        "hVU1EEu9R7Kga3kdII3pODYoLJ6+7OGbdXwh3q4xObac9ym3piwwEGDq2lOPjeFRzAiLaTm67jl7il+ffmMfgFeR1Fg7itDenlzn",
        "uRWMrN+Uw0XPEz9A7ZL2i09RO+S3cb2pFiv04JV57DBUKwxzwjVcT+mSc9cn/Vj0VK/s6bPl5rBVk95UdPbeA/YJwvPlRy+Q00vg",
        "LWY1yhIpd9uVyPPMxryuLE5ndzfxQuXMwApKDUhPjHEuLg2YZWbtAUxXic7gJnIqUjK0dMafHRBPkVxRQXLXsgC6bV6+l07olfPF",
        "LRNjAnI9O7GpS3Ss3ATpd+6xlUnkVPUx3K8A33ZmYv9KFvKMKsfSFl8TIuYM5yUMklAsVg20MLgBDlX2/CBPItGpPSRZVsQNW9DY",
        "Tysv4xdFqfkAFf6TulnxrOF7EfeNGXwadFKssn0hJO1yeMv3Omyxfoh0An5a+2MeIAEU5FmE75lTKCqfS32X/YgXqpINYUWQWzfI",
        "ZT6ViD/1NSIVd/3WEbgpC7fRmyb6TTWH2bU0rV+rVawrbFJlOpn1ReB4vEzam5FzLSSZR4ebW8xt3ovJzMneQbVMhaWo3dpR9N8T",
        "4JRJqgZRLq+cPBOEW5jnhuvZgX8f6U3+CEhZavgJIzIm0bJcwleCWiwxLNIuIBjqdZl5AjYEoS2dxa0giz5LGY5SyGjU2ullfcGl",
        "7vlnyYVl7ZYRa1ON4TCGRBbfIn6rpiVpOgzHTxH+ieg+3/ofRevuSLU+gTsN6iGgw6TJ+UHo0wPdGz4M0R9M6O0IjVWTQW+18Owz",
        "akyNP64qi43YrTtp85Lpe8MAAH75rePYzv4jrAKWlb1egUby8SaOJzMerCyjofI7ikV+ZQlmBZX/uVKZzuENnw61W5Ur2jxKtYK/",
        "Bro3amASkaSNDwhr5ZllYSjRmRjMWKTHXvqBDD4hJv0+juFm8yfDu5ynj8DqsiJSIk1E5Rm2hjS3IJ1h11LdSmR8SKbFZWyxwxYH",
        "X4U2+OQTbfz9BbZPRdY+w4bYkGJ11J558qhxCpUO8SBYtdkuj++W2mujdhgY6N2Xe4ZfK4cBp3l99dWeJGn94y3f5Ay2XX0Pn9DW",
        "UmrA8xunNqk4gl+Z7nJI4IPEoNJkKPmqWVwj9fqgJfh8Tr65zumIVW3V9hlEmRUuEjxnru4wWLhY4a5VAz2kZp1LSGZu6UPu1AqF",
        "IY+/Vlj0TcmohPmGdMwvLHfJVunOr0HKdy0lPn1nkU1s1NLeIVsznhxtlKnESiAVGWA9I4ZoXD1JNy+gsCStY4lAMShPiFk9jcQv",
        "Zp7toESwo3wdYm2S1E2F4m6TClg3npWIgtyiP/ycVtCb65bzekzxKFjhYTNYJfnWtXgmkJ0pCgWa7af4JSfvb6cl9s08WcEWjQv5",
        "31FewSi1KGCsg7X1WrWDZql/+1uWK/df/56sdcnqWuBaZZJo4doFkmdu10uPzbUenLY2KsBVR5HaS6t/1tPe5XefXBnzlKSwc2Vo",
        "tXTqSvJKGbJCwQDJ62MopgHtZs5wYZY3f9FjkZ353PVmgrfTCGuVF3Gh95VrbOy5OVbxoCm/FwoByXg6Gz43oYXA+cHlWtxBTK/G",
        "Y6xfKL7C76Bi7bF9lal1bbotOYyKyG+8Xs9ft7kJgUU9EPcZXA3d1HuU7fD3yGgWn1Y59YYepWdrc/wE58lmEp8ZYu7v8VN1uXFd",
        "kFQT3uCSahkevmiaKLpNtRqMTkrosFQZBUeYBzEnL0hHuB2vFEb8unTGl4nVaTOgLLl/8n4IjUc1SF0BSmApaZEIMuGE+nXQMa0f",
        "exrvspTNeNAFBTEkTwquxKiOxi5YR5N7FEiG6sTrzpYIpqrwB7yQU6DPJAboqy4pHfQ/E4SBXLH1RRJ/IEa8/gW2qslA9sZp7c7i",
        "ErBHyQn+3F7DDkOhRP4Qlz6VjLqUhKZYt3F2uxC3CiYvPeIEyqy4AmA90J3ZuEo0XcaI8Yy8JlwyOMKiwhq4uFFsb3Edtd8Ay7jz",
        "/9Mn9yTbnBRSSa2tgXC+iZUk/jcUjEZayjF9l+bKFfKryOlMsEA1h2zVqvwb4HXE2J7JdaBmoBr6YWEoknjLCL+nOrPdUyvqkIad",
        "3/Dq5pnzJkCHFlTXO+X6tfBXY/Gb+WUhDWPHYcMo073NtkFlalZJ9Zwt2Y3li4vECQVmqAk0qsvyMAL72WJoX+FTDip1cI05oj3E",
        "LnVTsz/3wuFlTM1vfikbdy1hVCanwp5pfWABLyopesnaxvpTdS0VbyjijT9DVHLraPNWvZMbYI+PVbOUMxFwHGGWeyZTI/usjC/9",
        "VNheUh3rbIBRM7yrtjFTmLJarPg5PKwE8Yaj9x7XEHS0RhTy4ecP0GX1y//UQcGmtdmAHPYNVDlb+zwDx7Uvzd7nEmV9jJDTDoWX",
        "/txuFyzgTsKzaQCVJGCc5S+KWNST5rtnLXbPWm+w8nC62LlG7ed6YD7RgHE+18u/qgQzo1NJeVieQYoE/Zdw9IRGo/cjzGseTdLT",
        "eUnMajQnssjgnGVodjXAnwFNxdGUTfiWvo4Gwv9AyeWbr7hO5W3HhdEtmmRLgmsulgpOIzkprNT4QTCnGiecT1FcFEgUXvBaqnUj",
        "elBSUqxsscCl73JYhsaMN8AGYmJjazk1d7KcE1yTtQDYNAKJ5Pny9mgnF/LPHHQ9iCIEmkptyogLMHoD63q8bFH1VMZNSN66MIUK",
        "yeVx/T1dGbykDi19o+U2SC3sJxQh4wgFdPmTxeXT3vu64V5CAuXtV/KEf2UheBQjPF4rb5BXWduAsjpdDQotLS0tLS0tLS0tLS0t",
        "LS0tLS0tLS0tLS0tLTdlMGQ4NDMxMTBlNTNkNGUNCkNvbnRlbnQtRGlzcG9zaXRpb246IGZvcm0tZGF0YTsgbmFtZT0iZW1wdHki",
        "OyBmaWxlbmFtZT0iZW1wdHkudHh0Ig0KQ29udGVudC1UeXBlOiB0ZXh0L3BsYWluDQoNCg0KLS0tLS0tLS0tLS0tLS0tLS0tLS0t",
        "LS0tLS03ZTBkODQzMTEwZTUzZDRlLS0NCg==",
        ]))

    private static func decode(_ lines: [String]) -> [UInt8] {
        Array(Data(base64Encoded: lines.joined())!)
    }
}
