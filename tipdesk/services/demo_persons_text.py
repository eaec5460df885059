"""Word lists for demonstration persons: names by ethnic group (with full diacritics), places, agencies.

Names follow each group's customs: Kinh and Tày "surname, middle, given"; Mông men "A", women
"Thị"; Ê Đê and Gia Rai women "H'" + given name + clan name, men "Y" + given name + clan name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NameStyle:
    ethnic_code: str
    weight: int
    surnames: tuple[str, ...]
    male_middle: tuple[str, ...]
    female_middle: tuple[str, ...]
    male_given: tuple[str, ...]
    female_given: tuple[str, ...]
    clan_last: bool = False  # Ê Đê / Gia Rai: prefix + given name + clan name
    languages: str = ""


NAME_STYLES: tuple[NameStyle, ...] = (
    NameStyle("01", 52, ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
                         "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Đoàn", "Lương"),
              ("Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh", "Công", "Xuân"),
              ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Phương", "Hồng"),
              ("Hùng", "Dũng", "Tuấn", "Minh", "Đức", "Nam", "Quân", "Long", "Sơn", "Hiếu", "Thắng", "Cường",
               "Phúc", "Khánh", "Huy", "Việt", "Tùng", "Đạt", "Lộc"),
              ("Lan", "Hoa", "Hương", "Mai", "Linh", "Trang", "Ngọc", "Huyền", "Thảo", "Nhung", "Yến", "Phượng",
               "Hạnh", "Duyên", "Thúy", "Thư", "Hằng", "Vân", "Nguyệt", "Diệp", "Loan", "Oanh", "Giang")),
    NameStyle("08", 16, ("Giàng", "Sùng", "Vàng", "Thào", "Lầu", "Hầu", "Mùa", "Lù", "Vừ", "Ly", "Hờ", "Cứ"),
              ("A", "Seo", "Mí"), ("Thị",),
              ("Páo", "Chứ", "Sính", "Dính", "Lử", "Chính", "Tủa", "Pó", "Chống", "Súa", "Nhè", "Sàng"),
              ("Mỷ", "Dế", "Pà", "Sua", "Chu", "Mai", "Say", "Dợ", "Xúa", "Máy", "Sinh", "Chở", "Dua", "Lìa"),
              languages="Tiếng Mông"),
    NameStyle("03", 8, ("Lò", "Cầm", "Lường", "Quàng", "Tòng", "Vì", "Hà", "Điêu"), ("Văn",), ("Thị",),
              ("Chiến", "Phong", "Xôm", "Ún", "Pánh", "Ngoan", "Thanh", "Khiêm"),
              ("Pằng", "Ún", "Xuân", "Bua", "Én", "Ngọc", "Phương", "Hiền", "Lả", "Thoa"), languages="Tiếng Thái"),
    NameStyle("02", 7, ("Hoàng", "Nông", "Ma", "Lục", "Đàm", "Hà", "Triệu", "Bế", "Ninh", "Lâm"),
              ("Văn", "Đình"), ("Thị",),
              ("Quý", "Thắng", "Tiến", "Khởi", "Pích", "Chiến", "Bình"),
              ("Hoa", "Liên", "Thơm", "Nhàn", "Dịu", "Hiền", "Thắm", "Mến"), languages="Tiếng Tày"),
    NameStyle("09", 6, ("Triệu", "Bàn", "Chảo", "Đặng", "Lý", "Phùng", "Tẩn"), ("Văn", "Tà", "Láo"),
              ("Thị", "Mùi"), ("Chàn", "Seo", "Quẩy", "Phin", "Vần", "Tả", "Kiềm"),
              ("Mẩy", "Mùi", "Nhất", "Dào", "Chạn", "Xuân", "Liều", "Sinh"), languages="Tiếng Dao"),
    NameStyle("07", 5, ("Nông", "Hoàng", "Lương", "Vi", "Chu", "Lăng", "Dương"), ("Văn",), ("Thị",),
              ("Pằn", "Slam", "Đoàn", "Sáng", "Dền"), ("Lìu", "Mến", "Slay", "Nhặt", "Thuận", "Cúc"),
              languages="Tiếng Nùng"),
    NameStyle("05", 3, ("Thạch", "Danh", "Sơn", "Kim", "Lâm", "Chau"), ("Văn",), ("Thị",),
              ("Sa Rết", "Chanh Đa Ra", "Sóc", "Phước", "Thol"), ("Sa Rinh", "Sóc Kha", "Sa Quen", "Srây", "Mỹ"),
              languages="Tiếng Khmer"),
    NameStyle("11", 2, ("Niê", "Mlô", "Êban", "Ayun", "Byă", "Adrơng", "Ksơr"), ("Y",), ("H'",),
              ("Sao", "Bhin", "Khiêm", "Blin", "Djoan"), ("Nhi", "Bla", "Hiăm", "Ngun", "Mai"), clan_last=True,
              languages="Tiếng Ê Đê"),
    NameStyle("10", 2, ("Ksor", "Siu", "Rơ Châm", "Rah Lan", "Kpă", "Nay"), ("",), ("",),
              ("Thun", "Blơi", "Hyưn", "Đinh"), ("H'Ní", "H'Bla", "H'Lan", "H'Yơn"), clan_last=False,
              languages="Tiếng Gia Rai"),
)

# (country, weight, places, trafficking forms with weights)
DESTINATIONS: tuple[tuple[str, int, tuple[str, ...], tuple[tuple[str, int], ...]], ...] = (
    ("CN", 45, ("Hà Khẩu, Vân Nam", "Bằng Tường, Quảng Tây", "Hà Nam", "Sơn Đông", "An Huy", "Phúc Kiến"),
     (("forced_marriage", 60), ("sexual_exploitation", 15), ("newborn_sale", 8), ("surrogacy_forced_births", 7),
      ("forced_labour_other", 10))),
    ("KH", 25, ("Sihanoukville", "Bavet, Svay Rieng", "Phnom Penh", "Poipet"),
     (("forced_labour_scam_compound", 85), ("sexual_exploitation", 10), ("organ_removal", 5))),
    ("MM", 10, ("Myawaddy", "Tachileik", "Shwe Kokko"), (("forced_labour_scam_compound", 95), ("other", 5))),
    ("LA", 10, ("Đặc khu kinh tế Tam giác vàng, Bokeo", "Viêng Chăn"),
     (("forced_labour_scam_compound", 80), ("sexual_exploitation", 20))),
    ("MY", 3, ("Kuala Lumpur", "Johor Bahru"), (("sexual_exploitation", 60), ("forced_labour_other", 40))),
    ("TH", 3, ("Bangkok", "Mae Sot"), (("forced_labour_other", 60), ("forced_begging", 40))),
    ("", 4, ("",), (("sexual_exploitation", 40), ("forced_labour_other", 40), ("forced_crime", 20))),
)

BORDER_GATES = {
    "CN": ("Cửa khẩu quốc tế Lào Cai", "Cửa khẩu quốc tế Thanh Thủy", "Cửa khẩu quốc tế Hữu Nghị",
           "Cửa khẩu quốc tế Móng Cái"),
    "KH": ("Cửa khẩu quốc tế Mộc Bài", "Cửa khẩu quốc tế Hoa Lư", "Cửa khẩu quốc tế Tịnh Biên"),
    "MM": ("Sân bay quốc tế Nội Bài", "Sân bay quốc tế Tân Sơn Nhất"),
    "LA": ("Cửa khẩu quốc tế Cầu Treo", "Cửa khẩu quốc tế Na Mèo", "Cửa khẩu quốc tế Tây Trang"),
    "MY": ("Sân bay quốc tế Nội Bài", "Sân bay quốc tế Tân Sơn Nhất"),
    "TH": ("Sân bay quốc tế Tân Sơn Nhất", "Cửa khẩu quốc tế Cầu Treo"),
}

RECEIVING_AGENCIES = {
    "CN": ("Đồn Biên phòng cửa khẩu quốc tế Lào Cai", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Tuyên Quang",
           "Đồn Biên phòng cửa khẩu quốc tế Thanh Thủy"),
    "KH": ("Bộ Chỉ huy Bộ đội Biên phòng tỉnh Tây Ninh", "Đại sứ quán Việt Nam tại Campuchia"),
    "MM": ("Đại sứ quán Việt Nam tại Myanmar", "Cục Lãnh sự, Bộ Ngoại giao"),
    "LA": ("Đại sứ quán Việt Nam tại Lào", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Nghệ An"),
    "MY": ("Đại sứ quán Việt Nam tại Malaysia",),
    "TH": ("Đại sứ quán Việt Nam tại Thái Lan",),
    "": ("Công an tỉnh", "Ủy ban nhân dân xã"),
}

ROUTES = ("Bàn giao tại cửa khẩu, Sở Y tế đón về địa phương", "Gia đình đón về tự túc",
          "Theo chuyến bay bảo hộ công dân, Sở Y tế đón tại sân bay", "Công an tỉnh đưa về địa phương")

IDENTIFYING_AGENCIES = ("Công an tỉnh {province}", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh {province}",
                        "Phòng Cảnh sát hình sự, Công an tỉnh {province}")

HAMLETS = ("Thôn Nà Khà", "Thôn Bản Chang", "Thôn Khuổi Trang", "Bản Phiêng Pẻn", "Thôn Nặm Đăm", "Tổ dân phố 3",
           "Thôn Làng Chùa", "Bản Tát Ngà", "Thôn Pác Há", "Thôn Đồng Tâm", "Xóm Mới", "Thôn 5")

GUARDIAN_RELATIONS = ("Mẹ", "Bố", "Bà nội", "Anh trai", "Chị gái", "Cô ruột")

# (type code, weight, min VND, max VND, step)
SUPPORT_AMOUNTS: dict[str, tuple[int, int, int]] = {
    "essential_needs": (500_000, 3_000_000, 50_000),
    "shelter": (0, 1_500_000, 100_000),
    "travel_home": (300_000, 1_500_000, 10_000),
    "medical": (200_000, 5_000_000, 10_000),
    "psychological": (0, 500_000, 50_000),
    "legal_aid": (0, 0, 1),
    "schooling": (1_000_000, 3_000_000, 100_000),
    "vocational_training": (2_000_000, 6_000_000, 100_000),
    "initial_difficulty_allowance": (1_500_000, 5_000_000, 100_000),
    "loan": (10_000_000, 50_000_000, 1_000_000),
    "interpretation": (300_000, 1_000_000, 50_000),
    "health_insurance": (1_263_600, 1_263_600, 1),
}

PROVIDERS = {
    "essential_needs": "Ủy ban nhân dân {commune}", "shelter": "Trung tâm Công tác xã hội tỉnh {province}",
    "travel_home": "Sở Y tế tỉnh {province}", "medical": "Trạm y tế {commune}",
    "psychological": "Hội Liên hiệp Phụ nữ {commune}",
    "legal_aid": "Trung tâm Trợ giúp pháp lý nhà nước tỉnh {province}",
    "schooling": "Trường Phổ thông dân tộc nội trú tỉnh {province}",
    "vocational_training": "Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên",
    "initial_difficulty_allowance": "Ủy ban nhân dân {commune}",
    "loan": "Ngân hàng Chính sách xã hội tỉnh {province}", "interpretation": "Sở Y tế tỉnh {province}",
    "health_insurance": "Bảo hiểm xã hội tỉnh {province}",
}

SUPPORT_NOTES = {
    "essential_needs": ("Gạo, đồ dùng cá nhân", "Tiền ăn 30 ngày", "Quần áo, chăn màn", ""),
    "medical": ("Khám sức khỏe tổng quát", "Điều trị tại Trung tâm Y tế", "Xét nghiệm", ""),
    "psychological": ("Tư vấn tâm lý 3 buổi", "Tham vấn cá nhân", ""),
    "vocational_training": ("Học nghề may công nghiệp", "Học nghề nấu ăn", "Học sửa xe máy"),
    "loan": ("Vay vốn chăn nuôi", "Vay vốn trồng chè"),
}

PLAN_STEPS = {
    "follow_up": ("Thăm hỏi tại gia đình", "Gọi điện hỏi thăm tình hình", "Kiểm tra việc học nghề",
                  "Đánh giá nhu cầu hỗ trợ tiếp theo"),
    "reintegration": ("Giới thiệu học nghề", "Hỗ trợ làm thủ tục cấp lại căn cước", "Giới thiệu việc làm tại địa phương",
                      "Hỗ trợ đi học trở lại"),
}
