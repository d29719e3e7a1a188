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
