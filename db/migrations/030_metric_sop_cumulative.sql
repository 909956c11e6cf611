-- 030: what an alert tells people to do, and which metrics rise by definition (issue 15).
-- `sop`: per alert level, the standard operating procedure shown on alert cards (wall, tablet), in Bahasa
--   Indonesia and English: { "siaga": { "id": "...", "en": "..." }, "awas": { ... } }; null: none configured.
-- `cumulative`: the value accumulates (e.g. landfill intake so far today), so its rise is no warning and the
--   KPI shows no red arrow for it.

ALTER TABLE metric ADD COLUMN sop jsonb;
ALTER TABLE metric ADD COLUMN cumulative boolean NOT NULL DEFAULT false;

UPDATE metric SET cumulative = true WHERE code = 'landfill_intake';

UPDATE metric SET sop = '{
  "waspada": {"id": "Pantau tiap 15 menit; siapkan pompa dan petugas pintu air.", "en": "Check every 15 minutes; get pumps and gate crews ready."},
  "siaga": {"id": "Nyalakan pompa, buka pintu air sesuai prosedur, kabari lurah dan camat setempat, siapkan posko evakuasi.", "en": "Start the pumps, open the sluice gates per procedure, inform the local lurah and camat, prepare the evacuation post."},
  "awas": {"id": "Perintahkan evakuasi warga bantaran, kerahkan TRC BPBD, kabari Dinas Sosial dan PMI, siarkan peringatan.", "en": "Order the evacuation of riverbank residents, deploy the BPBD rapid response team, inform Social Affairs and the Red Cross, broadcast the warning."}
}'::jsonb WHERE code = 'water_level' AND sop IS NULL;

UPDATE metric SET sop = '{
  "siaga": {"id": "Waspadai genangan; cek pompa di titik rawan dan kabari petugas lapangan.", "en": "Watch for ponding; check the pumps at flood-prone spots and alert field staff."},
  "awas": {"id": "Siagakan TRC BPBD di titik rawan banjir; siapkan peringatan dini untuk warga.", "en": "Put the BPBD rapid response team on standby at flood-prone spots; prepare an early warning for residents."}
}'::jsonb WHERE code = 'rainfall' AND sop IS NULL;

UPDATE metric SET sop = '{
  "siaga": {"id": "Kirim petugas Dishub ke ruas ini; atur lampu lalu lintas.", "en": "Send traffic officers to the segment; adjust the traffic lights."},
  "awas": {"id": "Alihkan arus; umumkan jalur alternatif; koordinasi dengan kepolisian.", "en": "Divert the traffic; announce alternative routes; coordinate with the police."}
}'::jsonb WHERE code = 'congestion_index' AND sop IS NULL;

UPDATE metric SET sop = '{
  "siaga": {"id": "Jadwalkan pengangkutan kontainer ini hari ini.", "en": "Schedule this container for collection today."},
  "awas": {"id": "Kirim truk terdekat sekarang; cegah sampah meluber ke jalan.", "en": "Send the nearest truck now; keep waste from spilling onto the road."}
}'::jsonb WHERE code = 'container_fill' AND sop IS NULL;

