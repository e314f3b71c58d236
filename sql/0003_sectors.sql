-- 0003 sectors: the OECD-DAC 5-digit purpose codes that collaborations are
-- classified by (IATI sector vocabulary 1), seeded with those of the sectors
-- Strategic Sector Cooperation works in.
--
-- Reference data, the same for every caller: row-level security is enabled
-- like on every table in ssc, with one policy that lets everyone read, and
-- ssc_app only reads, through sector_list (SECURITY INVOKER). The category
-- is the DAC 3-digit category and is derived from the code, never stored
-- apart from it. Names are the DAC's own English names. New codes arrive in
-- new migrations.

CREATE TABLE ssc.sectors (
  code     text PRIMARY KEY,
  name     text NOT NULL,
  category text NOT NULL GENERATED ALWAYS AS (left(code, 3)) STORED,
  CONSTRAINT sectors_code_check CHECK (code ~ '^[0-9]{5}$'),
  CONSTRAINT sectors_name_check CHECK (name = btrim(name) AND name <> '')
);
COMMENT ON TABLE ssc.sectors IS 'OECD-DAC 5-digit purpose codes (API.md "Sectors")';
CREATE INDEX sectors_category_idx ON ssc.sectors (category, code);

INSERT INTO ssc.sectors (code, name) VALUES
  -- 111 Education, level unspecified; 113 secondary
  ('11110', 'Education policy and administrative management'),
  ('11182', 'Educational research'),
  ('11330', 'Vocational training'),
  -- 121 Health, general; 123 non-communicable diseases
  ('12110', 'Health policy and administrative management'),
  ('12182', 'Medical research'),
  ('12196', 'Health statistics and data'),
  ('12310', 'NCDs control, general'),
  -- 140 Water supply and sanitation
  ('14010', 'Water sector policy and administrative management'),
  ('14015', 'Water resources conservation (including data collection)'),
  ('14020', 'Water supply and sanitation - large systems'),
  ('14040', 'River basins development'),
  ('14050', 'Waste management/disposal'),
  ('14081', 'Education and training in water supply and sanitation'),
  -- 151 Government and civil society, general
  ('15110', 'Public sector policy and administrative management'),
  ('15111', 'Public finance management (PFM)'),
  ('15112', 'Decentralisation and support to subnational government'),
  ('15114', 'Domestic revenue mobilisation'),
  ('15125', 'Public Procurement'),
  ('15130', 'Legal and judicial development'),
  ('15142', 'Macroeconomic policy'),
  ('15143', 'Meteorological services'),
  ('15144', 'National standards development'),
  ('15185', 'Local government administration'),
  -- 160 Other social infrastructure and services
  ('16010', 'Social Protection'),
  ('16020', 'Employment creation'),
  ('16062', 'Statistical capacity building'),
  ('16070', 'Labour rights'),
  ('16080', 'Social dialogue'),
  -- 210 Transport and storage (21040: maritime)
  ('21010', 'Transport policy and administrative management'),
  ('21013', 'Transport regulation'),
  ('21040', 'Water transport'),
  -- 220 Communications
  ('22040', 'Information and communication technology (ICT)'),
  -- 231 Energy policy
  ('23110', 'Energy policy and administrative management'),
  ('23111', 'Energy sector policy, planning and administration'),
  ('23112', 'Energy regulation'),
  ('23181', 'Energy education/training'),
  ('23182', 'Energy research'),
  ('23183', 'Energy conservation and demand-side efficiency'),
  -- 232 Energy generation, renewable sources
  ('23210', 'Energy generation, renewable sources - multiple technologies'),
  ('23230', 'Solar energy for centralised grids'),
  ('23240', 'Wind energy'),
  ('23260', 'Geothermal energy'),
  ('23270', 'Biofuel-fired power plants'),
  -- 236 Energy distribution
  ('23620', 'District heating and cooling'),
  ('23630', 'Electric power transmission and distribution (centralised grids)'),
  ('23642', 'Electric mobility infrastructures'),
  -- 250 Business and other services
  ('25010', 'Business policy and administration'),
  ('25040', 'Responsible business conduct'),
  -- 311 Agriculture; 312 forestry; 313 fishing
  ('31110', 'Agricultural policy and administrative management'),
  ('31120', 'Agricultural development'),
  ('31182', 'Agricultural research'),
  ('31195', 'Livestock/veterinary services'),
  ('31210', 'Forestry policy and administrative management'),
  ('31310', 'Fishing policy and administrative management'),
  ('31320', 'Fishery development'),
  ('31382', 'Fishery research'),
  -- 321 Industry; 322 mineral resources and mining
  ('32110', 'Industrial policy and administrative management'),
  ('32130', 'Small and medium-sized enterprises (SME) development'),
  ('32210', 'Mineral/mining policy and administrative management'),
  -- 331 Trade policies and regulations
  ('33110', 'Trade policy and administrative management'),
  ('33120', 'Trade facilitation'),
  -- 410 General environment protection
  ('41010', 'Environmental policy and administrative management'),
  ('41020', 'Biosphere protection'),
  ('41030', 'Biodiversity'),
  ('41081', 'Environmental education/training'),
  ('41082', 'Environmental research'),
  -- 430 Other multisector (43071-43073: food security and food safety)
  ('43030', 'Urban development and management'),
  ('43060', 'Disaster Risk Reduction'),
  ('43071', 'Food security policy and administrative management'),
  ('43073', 'Food safety and quality'),
  ('43082', 'Research/scientific institutions'),
  -- 740 Disaster prevention and preparedness
  ('74020', 'Multi-hazard response preparedness');

-- Up to lim sectors ordered by code, after after_code ('' = from the start),
-- of one category ('' = all): [{"code", "name", "category"}, ...].
CREATE FUNCTION ssc.sector_list(category text, after_code text, lim int) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = ssc, pg_temp
AS $$
DECLARE
  v_category text := coalesce(category, '');
  v_after text := coalesce(after_code, '');
  v_lim int := ssc.page_limit(lim);
  v jsonb;
BEGIN
  IF v_category <> '' AND v_category !~ '^[0-9]{3}$' THEN
    RAISE EXCEPTION 'category: must be empty or a three-digit DAC category, not "%"', v_category
      USING ERRCODE = 'SC400';
  END IF;
  SELECT coalesce(jsonb_agg(jsonb_build_object('code', s.code, 'name', s.name, 'category', s.category)
                            ORDER BY s.code), '[]')
    INTO v
    FROM (SELECT * FROM ssc.sectors x
          WHERE (v_category = '' OR x.category = v_category) AND x.code > v_after
          ORDER BY x.code LIMIT v_lim) s;
  RETURN v;
END
$$;

ALTER TABLE ssc.sectors ENABLE ROW LEVEL SECURITY;
CREATE POLICY sectors_select ON ssc.sectors FOR SELECT USING (true);

GRANT SELECT ON ssc.sectors TO ssc_app;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ssc FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ssc.sector_list(text, text, int) TO ssc_app;
