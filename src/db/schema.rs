// The one schema both backends share. `tests/schema.rs` checks that the migrations of each backend
// produce exactly these tables and columns.

diesel::table! {
    org_units (id) {
        id -> Integer,
        code -> Text,
        name -> Text,
        short_name -> Text,
        kind -> Text,
        parent_id -> Nullable<Integer>,
        ma_qhns -> Nullable<Text>,
        legal_source -> Nullable<Text>,
        valid_from -> Nullable<Date>,
        valid_to -> Nullable<Date>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    asset_classes (id) {
        id -> Integer,
        code -> Text,
        name -> Text,
        always_fixed -> Bool,
        intangible -> Bool,
        wear_exempt -> Bool,
        sort_order -> Integer,
        legal_source -> Nullable<Text>,
        valid_from -> Nullable<Date>,
        valid_to -> Nullable<Date>,
        version -> Integer,
    }
}

diesel::table! {
    asset_categories (id) {
        id -> Integer,
        code -> Text,
        class_id -> Integer,
        name -> Text,
        wear_exempt -> Bool,
        legal_source -> Nullable<Text>,
        valid_from -> Nullable<Date>,
        valid_to -> Nullable<Date>,
        version -> Integer,
        national_code -> Nullable<Text>,
        parent_id -> Nullable<Integer>,
        mapping_note -> Nullable<Text>,
    }
}

diesel::table! {
    wear_rates (id) {
        id -> Integer,
        category_id -> Integer,
        useful_life_years -> Integer,
        rate_bp -> Integer,
        legal_source -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        note -> Nullable<Text>,
        version -> Integer,
    }
}

diesel::table! {
    unit_financing (id) {
        id -> Integer,
        unit_id -> Integer,
        autonomy -> Text,
        legal_source -> Nullable<Text>,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        version -> Integer,
    }
}

diesel::table! {
    rule_settings (id) {
        id -> Integer,
        key -> Text,
        value -> Text,
        legal_source -> Nullable<Text>,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        note -> Nullable<Text>,
        version -> Integer,
    }
}

diesel::table! {
    tasks (id) {
        id -> Integer,
        code -> Text,
        title -> Text,
        level -> Text,
        host_org -> Text,
        principal_investigator -> Nullable<Text>,
        managing_unit_id -> Nullable<Integer>,
        start_date -> Nullable<Date>,
        end_date -> Nullable<Date>,
        total_budget -> BigInt,
        state_budget -> BigInt,
        funding -> Text,
        state_share_bp -> Integer,
        acceptance_date -> Nullable<Date>,
        acceptance_conclusion -> Nullable<Text>,
        legal_regime -> Text,
        status -> Text,
        notes -> Nullable<Text>,
        search_text -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    assets (id) {
        id -> Integer,
        code -> Text,
        name -> Text,
        class_id -> Integer,
        category_id -> Integer,
        kind -> Text,
        task_asset_kind -> Nullable<Text>,
        unit_of_measure -> Text,
        quantity -> Integer,
        area_m2 -> Nullable<Double>,
        cost_state -> BigInt,
        cost_other -> BigInt,
        original_cost -> BigInt,
        acquisition_method -> Text,
        acquired_on -> Nullable<Date>,
        acquired_year -> Nullable<Integer>,
        in_use_on -> Nullable<Date>,
        year_made -> Nullable<Integer>,
        country -> Nullable<Text>,
        task_id -> Nullable<Integer>,
        unit_id -> Integer,
        location -> Nullable<Text>,
        responsible_person -> Nullable<Text>,
        status -> Text,
        condition -> Nullable<Text>,
        specification -> Nullable<Text>,
        serial_no -> Nullable<Text>,
        notes -> Nullable<Text>,
        opening_wear -> BigInt,
        opening_wear_as_of -> Nullable<Date>,
        accumulated_wear -> BigInt,
        residual_value -> BigInt,
        wear_as_of -> Nullable<Date>,
        search_text -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::joinable!(wear_rates -> asset_categories (category_id));
diesel::joinable!(unit_financing -> org_units (unit_id));
diesel::joinable!(tasks -> org_units (managing_unit_id));
diesel::joinable!(assets -> asset_classes (class_id));
diesel::joinable!(assets -> asset_categories (category_id));
diesel::joinable!(assets -> tasks (task_id));
diesel::joinable!(assets -> org_units (unit_id));

diesel::allow_tables_to_appear_in_same_query!(
    org_units,
    unit_financing,
    asset_classes,
    asset_categories,
    wear_rates,
    rule_settings,
    tasks,
    assets,
    audit_events,
);

diesel::table! {
    users (id) {
        id -> Integer,
        username -> Text,
        full_name -> Text,
        role -> Text,
        unit_id -> Nullable<Integer>,
        can_read_all -> Bool,
        password_hash -> Text,
        active -> Bool,
        password_changed_at -> Timestamp,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> Integer,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Integer,
        user_id -> Integer,
        name -> Text,
        token_hash -> Text,
        prefix -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> Integer,
        username -> Text,
        address -> Text,
        succeeded -> Bool,
        attempted_at -> Timestamp,
    }
}

diesel::joinable!(users -> org_units (unit_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, sessions, api_tokens, org_units);

diesel::table! {
    imports (id) {
        id -> Integer,
        file_name -> Text,
        sha256 -> Text,
        sheet -> Text,
        actor -> Text,
        mode -> Text,
        blanks -> Text,
        strict -> Bool,
        status -> Text,
        created -> Integer,
        updated -> Integer,
        unchanged -> Integer,
        skipped -> Integer,
        failed -> Integer,
        created_at -> Timestamp,
        kind -> Text,
        event_seq -> Nullable<BigInt>,
    }
}

diesel::table! {
    import_jobs (id) {
        id -> Integer,
        kind -> Text,
        owner -> Text,
        upload_id -> Nullable<Integer>,
        fields -> Text,
        server -> Text,
        status -> Text,
        done_rows -> Integer,
        total_rows -> Integer,
        http_status -> Nullable<Integer>,
        outcome -> Nullable<Text>,
        started_at -> Timestamp,
        heartbeat_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    import_rows (id) {
        id -> Integer,
        import_id -> Integer,
        excel_row -> Integer,
        outcome -> Text,
        asset_id -> Nullable<Integer>,
        asset_version -> Nullable<Integer>,
        code -> Nullable<Text>,
        message -> Nullable<Text>,
        before_json -> Nullable<Text>,
        sheet -> Nullable<Text>,
        position -> Nullable<Integer>,
        after_json -> Nullable<Text>,
        row_hash -> Nullable<Text>,
    }
}

diesel::table! {
    import_layouts (layout) {
        layout -> Text,
        mapping -> Text,
        updated_at -> Timestamp,
        names -> Nullable<Text>,
    }
}

diesel::table! {
    import_uploads (id) {
        id -> Integer,
        file_name -> Text,
        sha256 -> Text,
        content -> Binary,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    import_fixes (id) {
        id -> Integer,
        import_id -> Integer,
        sheet -> Text,
        excel_row -> Integer,
        column_header -> Text,
        file_value -> Text,
        used_value -> Text,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(import_rows -> imports (import_id));
diesel::joinable!(import_fixes -> imports (import_id));
diesel::allow_tables_to_appear_in_same_query!(imports, import_rows, import_fixes, audit_events);

diesel::table! {
    handling_forms (id) {
        id -> Integer,
        code -> Text,
        name -> Text,
        regime -> Text,
        execution -> Text,
        decide_days -> Integer,
        execute_days -> Integer,
        execute_days_land -> Nullable<Integer>,
        sort_order -> Integer,
        legal_source -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        unconfirmed -> Nullable<Text>,
        execute_months -> Nullable<Integer>,
        write_down_days -> Nullable<Integer>,
        deadline_basis -> Nullable<Text>,
    }
}

diesel::table! {
    disposals (id) {
        id -> Integer,
        code -> Text,
        form_code -> Text,
        task_id -> Nullable<Integer>,
        unit_id -> Integer,
        reason -> Text,
        status -> Text,
        due_on -> Nullable<Date>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    disposal_lines (id) {
        id -> Integer,
        disposal_id -> Integer,
        asset_id -> Integer,
        quantity -> Integer,
        original_cost -> BigInt,
        residual_value -> BigInt,
        decided_quantity -> Nullable<Integer>,
        decided_cost -> Nullable<BigInt>,
        decided_residual -> Nullable<BigInt>,
        written_down_asset_id -> Nullable<Integer>,
        written_down_residual -> Nullable<BigInt>,
        revalued_value -> Nullable<BigInt>,
    }
}

diesel::table! {
    disposal_steps (id) {
        id -> Integer,
        disposal_id -> Integer,
        kind -> Text,
        doc_no -> Nullable<Text>,
        doc_date -> Date,
        signer -> Nullable<Text>,
        authority -> Nullable<Text>,
        method -> Nullable<Text>,
        counterparty -> Nullable<Text>,
        note -> Nullable<Text>,
        proceeds -> Nullable<BigInt>,
        costs -> Nullable<BigInt>,
        remitted -> Nullable<BigInt>,
        revokes_step_id -> Nullable<Integer>,
        actor -> Text,
        created_at -> Timestamp,
        rounds -> Nullable<Integer>,
        decided_by -> Nullable<Text>,
        valuation -> Nullable<BigInt>,
    }
}

diesel::joinable!(disposal_lines -> disposals (disposal_id));
diesel::joinable!(disposal_steps -> disposals (disposal_id));
diesel::allow_tables_to_appear_in_same_query!(disposals, disposal_lines, disposal_steps, assets, handling_forms);

diesel::table! {
    file_blobs (sha256) {
        sha256 -> Text,
        size -> BigInt,
        content -> Binary,
    }
}

diesel::table! {
    attachments (id) {
        id -> Integer,
        disposal_id -> Integer,
        step_id -> Nullable<Integer>,
        file_name -> Text,
        content_type -> Text,
        sha256 -> Text,
        size -> BigInt,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(attachments -> disposals (disposal_id));
diesel::allow_tables_to_appear_in_same_query!(attachments, disposals, file_blobs);

diesel::table! {
    count_sessions (id) {
        id -> Integer,
        code -> Text,
        title -> Text,
        decision_no -> Text,
        decision_date -> Date,
        reference_date -> Date,
        scope_units -> Text,
        scope_locations -> Text,
        scope_classes -> Text,
        status -> Text,
        sheet_secret -> Text,
        minutes_sha256 -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        opened_at -> Nullable<Timestamp>,
        reconciled_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        version -> Integer,
        show_book -> Bool,
    }
}

diesel::table! {
    count_members (id) {
        id -> Integer,
        session_id -> Integer,
        full_name -> Text,
        committee_role -> Text,
        position -> Nullable<Text>,
        represents -> Nullable<Text>,
        sort_order -> Integer,
    }
}

diesel::table! {
    count_lines (id) {
        id -> Integer,
        session_id -> Integer,
        asset_id -> Nullable<Integer>,
        code -> Text,
        name -> Text,
        class_name -> Text,
        class_order -> Integer,
        unit_id -> Nullable<Integer>,
        unit_name -> Text,
        location -> Nullable<Text>,
        unit_of_measure -> Text,
        book_quantity -> Integer,
        book_cost -> BigInt,
        book_residual -> BigInt,
        book_condition -> Text,
        resolution -> Nullable<Text>,
        resolution_note -> Nullable<Text>,
        disposal_id -> Nullable<Integer>,
        resolved_by -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        applied_at -> Nullable<Timestamp>,
        found_value -> Nullable<BigInt>,
    }
}

diesel::table! {
    count_entries (id) {
        id -> Integer,
        session_id -> Integer,
        code -> Text,
        quantity -> Integer,
        condition -> Nullable<Text>,
        location -> Nullable<Text>,
        note -> Nullable<Text>,
        counter -> Text,
        source -> Text,
        settles -> Bool,
        created_at -> Timestamp,
        client_id -> Nullable<Text>,
        counted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    count_devices (id) {
        id -> Integer,
        session_id -> Integer,
        device_id -> Text,
        counter -> Text,
        unsent -> Integer,
        last_seen -> Timestamp,
    }
}

diesel::table! {
    count_places_done (id) {
        id -> Integer,
        session_id -> Integer,
        location -> Text,
        counter -> Text,
        done_at -> Timestamp,
    }
}

diesel::joinable!(count_devices -> count_sessions (session_id));
diesel::joinable!(count_places_done -> count_sessions (session_id));

diesel::joinable!(count_members -> count_sessions (session_id));
diesel::joinable!(count_lines -> count_sessions (session_id));
diesel::joinable!(count_entries -> count_sessions (session_id));
diesel::allow_tables_to_appear_in_same_query!(
    count_sessions,
    count_members,
    count_lines,
    count_entries,
    count_devices,
    count_places_done,
    assets
);

diesel::table! {
    procurements (id) {
        id -> Integer,
        code -> Text,
        package_name -> Text,
        unit_id -> Integer,
        category_id -> Nullable<Integer>,
        estimate -> BigInt,
        method -> Text,
        plan_no -> Nullable<Text>,
        plan_date -> Nullable<Date>,
        contract_no -> Nullable<Text>,
        contract_date -> Nullable<Date>,
        supplier -> Nullable<Text>,
        contract_value -> BigInt,
        acceptance_date -> Nullable<Date>,
        invoice_no -> Nullable<Text>,
        invoice_date -> Nullable<Date>,
        documents -> Text,
        notes -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    procurement_assets (id) {
        id -> Integer,
        procurement_id -> Integer,
        asset_id -> Integer,
    }
}

diesel::table! {
    inspections (id) {
        id -> Integer,
        code -> Text,
        kind -> Text,
        planned -> Bool,
        title -> Text,
        decision_no -> Text,
        decision_date -> Date,
        requested_by -> Nullable<Text>,
        subjects -> Text,
        scope -> Text,
        period_from -> Date,
        period_to -> Date,
        team -> Text,
        started_on -> Nullable<Date>,
        ended_on -> Nullable<Date>,
        status -> Text,
        conclusion_no -> Nullable<Text>,
        conclusion_date -> Nullable<Date>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    findings (id) {
        id -> Integer,
        inspection_id -> Integer,
        title -> Text,
        place -> Nullable<Text>,
        amount -> BigInt,
        responsible -> Nullable<Text>,
        category -> Text,
        description -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    finding_links (id) {
        id -> Integer,
        finding_id -> Integer,
        kind -> Text,
        ref_id -> Integer,
    }
}

diesel::table! {
    recommendations (id) {
        id -> Integer,
        inspection_id -> Integer,
        finding_id -> Nullable<Integer>,
        kind -> Text,
        content -> Text,
        responsible -> Text,
        deadline -> Nullable<Date>,
        amount -> BigInt,
        organisations -> Integer,
        persons -> Integer,
        cases -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    follow_ups (id) {
        id -> Integer,
        recommendation_id -> Integer,
        done_on -> Date,
        action -> Text,
        recovered -> BigInt,
        completes -> Bool,
        evidence_name -> Nullable<Text>,
        evidence_sha256 -> Nullable<Text>,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(procurement_assets -> procurements (procurement_id));
diesel::joinable!(procurement_assets -> assets (asset_id));
diesel::joinable!(findings -> inspections (inspection_id));
diesel::joinable!(finding_links -> findings (finding_id));
diesel::joinable!(recommendations -> inspections (inspection_id));
diesel::joinable!(follow_ups -> recommendations (recommendation_id));
diesel::allow_tables_to_appear_in_same_query!(
    procurements,
    procurement_assets,
    assets,
    inspections,
    findings,
    finding_links,
    recommendations,
    follow_ups
);

diesel::table! {
    declaration_info (asset_id) {
        asset_id -> Integer,
        national_code -> Nullable<Text>,
        reason_code -> Nullable<Text>,
        fund_hdsn -> BigInt,
        fund_oda -> BigInt,
        fund_loan -> BigInt,
        usage -> Text,
        address -> Nullable<Text>,
        province_code -> Nullable<Text>,
        district_code -> Nullable<Text>,
        commune_code -> Nullable<Text>,
        documents -> Text,
        lot_asset_id -> Nullable<Integer>,
        floors -> Nullable<Integer>,
        built_area -> Nullable<Double>,
        floor_area -> Nullable<Double>,
        plate -> Nullable<Text>,
        brand -> Nullable<Text>,
        seats -> Nullable<Integer>,
        load_tonnes -> Nullable<Double>,
        engine_power -> Nullable<Text>,
        chassis_no -> Nullable<Text>,
        engine_no -> Nullable<Text>,
        user_title -> Nullable<Text>,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(declaration_info -> assets (asset_id));
diesel::allow_tables_to_appear_in_same_query!(declaration_info, assets);
diesel::allow_tables_to_appear_in_same_query!(declaration_info, asset_classes);
diesel::allow_tables_to_appear_in_same_query!(declaration_info, asset_categories);
diesel::allow_tables_to_appear_in_same_query!(declaration_info, org_units);

diesel::table! {
    declarations (id) {
        id -> Integer,
        unit_id -> Integer,
        as_of -> Date,
        supplement -> Bool,
        previous_id -> Nullable<Integer>,
        items -> Integer,
        events -> Integer,
        digest -> Text,
        unit_snapshot -> Text,
        note -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    declaration_items (id) {
        id -> Integer,
        declaration_id -> Integer,
        asset_id -> Integer,
        snapshot -> Text,
    }
}

diesel::table! {
    revaluations (id) {
        id -> Integer,
        asset_id -> Integer,
        decided_on -> Date,
        doc_no -> Text,
        basis -> Text,
        reason_code -> Text,
        old_cost -> BigInt,
        new_cost -> BigInt,
        old_residual -> BigInt,
        new_residual -> BigInt,
        count_line_id -> Nullable<Integer>,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(declaration_items -> declarations (declaration_id));
diesel::joinable!(revaluations -> assets (asset_id));
diesel::allow_tables_to_appear_in_same_query!(declarations, declaration_items);
diesel::allow_tables_to_appear_in_same_query!(revaluations, assets);

diesel::table! {
    /// A view (migration 000022): the chain's events and the records imports created under them.
    activity (seq, part) {
        seq -> BigInt,
        part -> Integer,
        occurred_at -> Timestamp,
        actor -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        hash -> Text,
        prev_hash -> Nullable<Text>,
        import_id -> Nullable<Integer>,
        file_name -> Nullable<Text>,
        excel_row -> Nullable<Integer>,
        sheet -> Nullable<Text>,
    }
}

diesel::table! {
    /// Kept by triggers (migration 000023): the register's count and sums per combination of the
    /// common filters.
    register_totals (unit_id, class_id, category_id, status, kind, acquired_year) {
        unit_id -> Integer,
        class_id -> Integer,
        category_id -> Integer,
        status -> Text,
        kind -> Text,
        acquired_year -> Integer,
        assets -> BigInt,
        original_cost -> BigInt,
        residual_value -> BigInt,
    }
}

diesel::table! {
    /// Changes PostgreSQL's triggers append, not yet folded into `register_totals` (empty on SQLite).
    register_totals_changes (id) {
        id -> BigInt,
        unit_id -> Integer,
        class_id -> Integer,
        category_id -> Integer,
        status -> Text,
        kind -> Text,
        acquired_year -> Integer,
        assets -> BigInt,
        original_cost -> BigInt,
        residual_value -> BigInt,
    }
}

diesel::table! {
    /// A view (migration 000023): the kept totals and the changes not yet folded in, as the list reads them.
    register_totals_now (unit_id, class_id, category_id, status, kind, acquired_year) {
        unit_id -> Integer,
        class_id -> Integer,
        category_id -> Integer,
        status -> Text,
        kind -> Text,
        acquired_year -> Integer,
        assets -> BigInt,
        original_cost -> BigInt,
        residual_value -> BigInt,
    }
}
