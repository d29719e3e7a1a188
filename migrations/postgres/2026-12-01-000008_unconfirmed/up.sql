-- A rule's legal source is what forms print; what is not yet confirmed of it is a note for
-- administrators (the reference-data page), never printed. Existing rows are split the same way.
ALTER TABLE handling_forms ADD COLUMN unconfirmed TEXT;
UPDATE handling_forms SET legal_source = 'NĐ 70/2018/NĐ-CP, Điều 6–7', unconfirmed = 'Thời hạn 7 ngày bàn giao lấy từ ghi chép nghiệp vụ, chưa đối chiếu với văn bản; chưa xác nhận từng điều' WHERE code = 'giao_chu_tri_ghi_tang_tai_san';
UPDATE handling_forms SET legal_source = 'NĐ 70/2018/NĐ-CP, Điều 6–7', unconfirmed = 'Chưa xác nhận từng điều' WHERE code = 'giao_chu_tri_ghi_tang_von';
UPDATE handling_forms SET legal_source = 'NĐ 70/2018/NĐ-CP, Điều 8', unconfirmed = 'Chưa xác nhận từng điều' WHERE code = 'ban_truc_tiep_chu_tri';
UPDATE handling_forms SET legal_source = 'NĐ 70/2018/NĐ-CP', unconfirmed = 'Chưa xác nhận từng điều' WHERE code = 'giao_quyen_su_dung';
UPDATE handling_forms SET legal_source = 'NĐ 70/2018/NĐ-CP', unconfirmed = 'Chưa xác nhận từng điều' WHERE code = 'giao_quyen_so_huu';
UPDATE handling_forms SET legal_source = 'Luật KH,CN&ĐMST 93/2025/QH15', unconfirmed = 'Chưa xác nhận điều khoản và thời hạn' WHERE code = 'giao_quyen_so_huu_l93';
UPDATE handling_forms SET legal_source = 'Luật KH,CN&ĐMST 93/2025/QH15', unconfirmed = 'Chưa xác nhận điều khoản và thời hạn' WHERE code = 'giao_quyen_su_dung_l93';
UPDATE handling_forms SET legal_source = 'Luật 15/2017/QH14, Điều 40–41; thời hạn theo NĐ 186/2025/NĐ-CP', unconfirmed = 'Chưa xác nhận từng điều' WHERE code = 'thu_hoi';
UPDATE handling_forms SET legal_source = 'Luật 15/2017/QH14, Điều 40, 42; NĐ 186/2025/NĐ-CP', unconfirmed = 'Chưa xác nhận từng điều' WHERE code = 'dieu_chuyen';
UPDATE handling_forms SET legal_source = 'Luật 15/2017/QH14, Điều 40, 43; NĐ 186/2025/NĐ-CP', unconfirmed = 'Chưa xác nhận từng điều' WHERE code = 'ban';
UPDATE handling_forms SET legal_source = 'Luật 15/2017/QH14, Điều 40, 45; NĐ 186/2025/NĐ-CP', unconfirmed = 'Chưa xác nhận từng điều' WHERE code = 'thanh_ly_ban';
UPDATE handling_forms SET legal_source = 'Luật 15/2017/QH14, Điều 40, 45; NĐ 186/2025/NĐ-CP', unconfirmed = 'Chưa xác nhận từng điều' WHERE code = 'thanh_ly_pha_do';
UPDATE handling_forms SET legal_source = 'Luật 15/2017/QH14, Điều 40, 46', unconfirmed = 'Chưa xác nhận từng điều' WHERE code = 'tieu_huy';
UPDATE handling_forms SET legal_source = 'Luật 15/2017/QH14, Điều 40, 47', unconfirmed = 'Chưa xác nhận từng điều' WHERE code = 'mat_huy_hoai';
UPDATE handling_forms SET legal_source = 'Luật 15/2017/QH14, Điều 40', unconfirmed = 'Chưa xác nhận từng điều' WHERE code = 'chuyen_giao_dia_phuong';
UPDATE handling_forms SET legal_source = 'Luật 15/2017/QH14, Điều 40', unconfirmed = 'Chưa xác nhận từng điều' WHERE code = 'khac';
-- Wear rates and settings: the note already says what is unconfirmed; the printed source loses it.
UPDATE wear_rates SET legal_source = 'TT 45/2018/TT-BTC và văn bản trước đó' WHERE legal_source = 'TT 45/2018/TT-BTC và văn bản trước đó (giai đoạn trước TT 23/2023 — chưa xác nhận)';
UPDATE wear_rates SET legal_source = 'TT 141/2025/TT-BTC, Phụ lục', note = COALESCE(note || '; ', '') || 'số năm sao chép từ TT 23/2023' WHERE legal_source = 'TT 141/2025/TT-BTC, Phụ lục (chưa xác nhận — sao chép từ TT 23/2023, cần đối chiếu văn bản)';
UPDATE rule_settings SET legal_source = 'TT 45/2018/TT-BTC và văn bản trước đó', note = 'Chưa xác nhận cho từng giai đoạn trước 10/06/2023' WHERE legal_source = 'TT 45/2018/TT-BTC và văn bản trước đó (chưa xác nhận)';
UPDATE rule_settings SET legal_source = 'TT 141/2025/TT-BTC', note = 'Chưa xác nhận: giữ như TT 23/2023 cho đến khi đối chiếu' WHERE legal_source = 'TT 141/2025/TT-BTC (chưa xác nhận)';
UPDATE rule_settings SET legal_source = 'TT 23/2023/TT-BTC', note = 'Chưa xác nhận: năm bắt đầu tính hao mòn; acquisition_year: tính hao mòn từ năm đưa vào sử dụng; next_year: từ năm sau' WHERE legal_source = 'TT 23/2023/TT-BTC (năm bắt đầu tính hao mòn — chưa xác nhận)';
UPDATE rule_settings SET legal_source = 'NĐ 63/2014/NĐ-CP, Điều 54 — hạn mức chỉ định thầu gói hàng hóa', note = 'Chưa xác nhận; Hạn mức chỉ định thầu đối với gói mua sắm hàng hóa; cần đối chiếu văn bản' WHERE legal_source = 'NĐ 63/2014/NĐ-CP, Điều 54 — hạn mức chỉ định thầu gói hàng hóa (chưa xác nhận)';
UPDATE rule_settings SET legal_source = 'Luật Đấu thầu 22/2023/QH15, Điều 23; NĐ 24/2024/NĐ-CP, Điều 80', note = 'Chưa xác nhận; Hạn mức chỉ định thầu đối với gói mua sắm hàng hóa; cần đối chiếu văn bản' WHERE legal_source = 'Luật Đấu thầu 22/2023/QH15, Điều 23; NĐ 24/2024/NĐ-CP, Điều 80 (chưa xác nhận)';
