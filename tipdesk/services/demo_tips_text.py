"""Vietnamese text pools for demonstration tips (synthetic: every name and story is invented)."""

from __future__ import annotations

import random

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Lò", "Vàng", "Giàng",
            "Sùng", "Hà", "Ma", "Nông", "Triệu", "Lục", "Đinh")
MIDDLE_F = ("Thị", "Thị Thu", "Thị Ngọc", "Thị Hồng", "Thị Mỹ", "Thị Bích")
MIDDLE_M = ("Văn", "Đức", "Quốc", "Minh", "A", "Seo")
GIVEN_F = ("Mai", "Lan", "Hoa", "Hương", "Dung", "Thảo", "Nhung", "Mỷ", "Pà", "Dợ", "Chi", "Ngân", "Trang", "Ly")
GIVEN_M = ("Đức", "Dũng", "Hùng", "Páo", "Sử", "Tuấn", "Long", "Khải", "Chứ", "Nam", "Thắng", "Quân")
ORGANISATIONS = ("Hội Liên hiệp Phụ nữ xã", "Trường THCS xã", "Trạm Y tế xã", "Ủy ban nhân dân xã",
                 "Đồn Biên phòng cửa khẩu", "Báo Tuyên Quang", "Đoàn Thanh niên xã", "Văn phòng Luật sư Minh Tâm")
STATE_BODIES = ("Ủy ban nhân dân xã", "Thanh tra tỉnh", "Sở Y tế tỉnh", "Đồn Biên phòng cửa khẩu")
HAMLETS = ("Thôn Nà Khà", "Thôn Bản Chang", "Thôn Khuổi Củng", "Tổ dân phố 3", "Thôn Lũng Pù", "Bản Phìn Hồ",
           "Thôn Làng Giàng", "Xóm Đồng Tâm", "Thôn Pác Bó", "Tổ dân phố Tân Tiến")
OFFICERS = ("Hoàng Văn Dũng", "Nguyễn Thị Lan", "Vàng A Páo", "Trần Quốc Huy", "Lê Minh Tuấn")
METHODS = ("Trực tiếp bàn giao hồ sơ", "Gửi qua bưu điện", "Chuyển qua cán bộ điều tra tại xã", "Giao liên")
OTHER_AGENCIES = ("Đồn Biên phòng cửa khẩu Thanh Thủy", "Công an xã nơi xảy ra vụ việc",
                  "Cơ quan An ninh điều tra Công an tỉnh", "Viện kiểm sát nhân dân tỉnh")
ROUTES = {
    "CN": ("Cửa khẩu Thanh Thủy", "Đường mòn qua mốc 198, Hà Giang", "Cửa khẩu Lào Cai", "Cửa khẩu Móng Cái"),
    "KH": ("Cửa khẩu Mộc Bài", "Cửa khẩu Xa Mát", "Đường mòn qua sông Vàm Cỏ, Tây Ninh", "Cửa khẩu Tịnh Biên"),
    "LA": ("Cửa khẩu Cầu Treo", "Cửa khẩu Nậm Cắn", "Cửa khẩu Lao Bảo"),
    "MM": ("Qua Lào, cửa khẩu Nậm Cắn, vào Tam giác vàng", "Qua Thái Lan bằng đường bay, vượt sông Moei"),
    "TH": ("Đường bay Nội Bài – Bangkok", "Qua Lào, cửa khẩu Cầu Treo"),
    "MY": ("Đường bay Tân Sơn Nhất – Kuala Lumpur",),
    "KR": ("Đường bay Nội Bài – Incheon, visa du lịch",),
}
COUNTRY_WEIGHTS = (("CN", 40), ("KH", 25), ("", 12), ("MM", 8), ("LA", 6), ("TH", 4), ("MY", 3), ("KR", 2))

_STORIES = {
    "forced_marriage": (
        "{victim}, {age} tuổi, được người quen rủ sang {country} làm việc nhẹ lương cao, sau đó gọi điện về "
        "báo bị ép lấy chồng, không được về nhà.",
        "Gia đình trình báo {victim} ({age} tuổi) bỏ nhà đi cùng một phụ nữ lạ, nghi bị đưa sang {country} bán "
        "làm vợ; đã mất liên lạc {days} ngày.",
    ),
    "sexual_exploitation": (
        "{victim}, {age} tuổi, được hứa việc làm phục vụ nhà hàng ở {country}, nay nhắn tin cầu cứu vì bị ép "
        "bán dâm.",
        "Tin báo có nhóm đối tượng tuyển thiếu nữ trong xã làm tiếp viên quán karaoke, nghi bóc lột tình dục.",
    ),
    "forced_labour_scam_compound": (
        "{victim}, {age} tuổi, sang {country} làm \"việc nhẹ lương cao\", bị giữ trong cơ sở lừa đảo trực tuyến; "
        "đối tượng đòi gia đình nộp {ransom} triệu đồng tiền chuộc.",
        "Người nhà nhận tin nhắn của {victim}: bị bán qua lại giữa các công ty cờ bạc trực tuyến ở {country}, "
        "bị đánh đập, thu giữ hộ chiếu.",
    ),
    "forced_labour_other": (
        "{victim}, {age} tuổi, đi làm thuê tại xưởng may ở {country}, bị giữ giấy tờ, làm việc 16 giờ mỗi ngày "
        "không được trả lương.",
    ),
    "organ_removal": (
        "Đối tượng lạ tiếp cận {victim} ({age} tuổi) qua mạng xã hội, hứa trả 300 triệu đồng để bán thận, "
        "hẹn đưa sang {country}.",
    ),
    "newborn_sale": (
        "Tin báo một phụ nữ mang thai tháng thứ 8 được một nhóm đối tượng hứa trả tiền để nhận con nuôi, "
        "nghi mua bán trẻ sơ sinh.",
    ),
    "surrogacy_forced_births": (
        "{victim}, {age} tuổi, được tuyển đi mang thai hộ ở {country}, nay bị giữ lại và ép sinh con.",
    ),
    "foetus_sale": ("Có dấu hiệu đối tượng môi giới mua bán bào thai qua các hội nhóm trên mạng xã hội.",),
    "forced_begging": ("Phát hiện nhóm trẻ em khoảng {age} tuổi bị đưa đi ăn xin tại chợ trung tâm, nghi bị "
                       "đối tượng điều khiển.",),
    "forced_crime": ("{victim}, {age} tuổi, bị ép vận chuyển hàng cấm qua biên giới để trả nợ cho đối tượng.",),
}
ACCOUNTS = (
    "Người trình báo cung cấp ảnh chụp tin nhắn và số điện thoại của đối tượng. Lần cuối liên lạc qua Zalo "
    "vào buổi tối.",
    "Theo lời kể, đối tượng đến nhà nhiều lần, hứa hẹn việc làm và cho gia đình vay tiền trước.",
    "Người báo tin đề nghị cơ quan công an khẩn trương xác minh, giải cứu và giữ bí mật thông tin.",
    "Gia đình đã nhận được một cuộc gọi video ngắn, nạn nhân khóc và nói đang bị nhốt.",
)
SUSPECTS = ("Một phụ nữ tên {name}, khoảng {age} tuổi, nói giọng miền xuôi",
            "{name}, khoảng {age} tuổi, trú cùng huyện cũ, thường đi lại biên giới",
            "Hai đối tượng nam, một người tên {name}, đi xe máy không biển số",
            "Tài khoản mạng xã hội tên \"{name} Việc Làm\"", "")
FINDINGS = ("Đã lấy lời khai người trình báo; thông tin ban đầu có cơ sở.",
            "Kiểm tra hiện trường, thu giữ một số giấy tờ liên quan.",
            "Đề nghị nhà mạng cung cấp thông tin thuê bao của đối tượng.",
            "Làm việc với gia đình, xác định nạn nhân đã xuất cảnh trái phép.")


def person_name(rng: random.Random, female: bool | None = None) -> str:
    female = rng.random() < 0.7 if female is None else female
    middle = rng.choice(MIDDLE_F if female else MIDDLE_M)
    given = rng.choice(GIVEN_F if female else GIVEN_M)
    return f"{rng.choice(SURNAMES)} {middle} {given}"


def story(rng: random.Random, form: str, country_name: str) -> str:
    template = rng.choice(_STORIES.get(form, _STORIES["forced_labour_other"]))
    return template.format(victim=person_name(rng, True), age=rng.randint(14, 34), country=country_name or "tỉnh khác",
                           days=rng.randint(3, 60), ransom=rng.choice((150, 200, 250, 300)))


def suspects(rng: random.Random) -> str:
    return rng.choice(SUSPECTS).format(name=rng.choice(GIVEN_F + GIVEN_M), age=rng.randint(25, 50))


def phone(rng: random.Random) -> str:
    return f"0{rng.choice((3, 8, 9))}{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}"


def id_number(rng: random.Random, province3: str = "008") -> str:
    return f"{province3}{rng.choice('0123')}{rng.randint(70, 99):02d}{rng.randint(0, 999999):06d}"
