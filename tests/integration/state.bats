#!/usr/bin/env bats
# `state`: the OCI state JSON.

load helpers

setup() {
        setup_common
        setup_bundle
        set_args sleep 100
}

@test "state: has the OCI fields with the right types" {
        update_config '.annotations = {"org.flashcube.test": "yes", "x.y": "a b"}'
        create_container
        run -0 fc state "$FC_ID"
        local s=$output
        jq -e '.ociVersion | type == "string" and test("^1\\.")' <<<"$s"
        jq -e --arg id "$FC_ID" '.id == $id' <<<"$s"
        jq -e '.status == "created"' <<<"$s"
        jq -e '.pid | type == "number" and . > 0' <<<"$s"
        jq -e --arg b "$FC_BUNDLE" '.bundle == $b' <<<"$s"
        jq -e '.rootfs | type == "string" and startswith("/")' <<<"$s"
        jq -e --arg r "$FC_BUNDLE/rootfs" '.rootfs == $r' <<<"$s"
        jq -e '.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$")' <<<"$s"
        jq -e 'has("owner") and (.owner | type == "string")' <<<"$s"
        jq -e '.annotations == {"org.flashcube.test": "yes", "x.y": "a b"}' <<<"$s"
}

@test "state: bundle is absolute when --bundle is relative" {
        cd "$FC_TMP"
        track_id "$FC_ID"
        fc_detached create --bundle bundle "$FC_ID"
        [ "$status" -eq 0 ]
        [ "$(state_field "$FC_ID" .bundle)" = "$FC_BUNDLE" ]
        [ "$(state_field "$FC_ID" .rootfs)" = "$FC_BUNDLE/rootfs" ]
}

@test "state: an absolute root.path is reported as is" {
        mv "$FC_BUNDLE/rootfs" "$FC_TMP/elsewhere"
        update_config '.root.path = $p' --arg p "$FC_TMP/elsewhere"
        create_container
        [ "$(state_field "$FC_ID" .rootfs)" = "$FC_TMP/elsewhere" ]
}

@test "state: created is the creation time and does not change on start" {
        local before after
        before=$(date -u +%s)
        create_container
        after=$(date -u +%s)
        local created t
        created=$(state_field "$FC_ID" .created)
        t=$(date -u -d "$created" +%s)
        [ "$t" -ge "$before" ] && [ "$t" -le "$after" ]
        run -0 fc start "$FC_ID"
        [ "$(state_field "$FC_ID" .created)" = "$created" ]
}

@test "state: running then stopped; a stopped container has no live pid" {
        create_container
        local pid
        pid=$(container_pid)
        fc start "$FC_ID"
        [ "$(container_status)" = running ]
        [ "$(container_pid)" = "$pid" ]
        fc kill "$FC_ID" KILL
        wait_for_status stopped
        # runc reports pid 0 for a stopped container.
        run -0 fc state "$FC_ID"
        jq -e '.pid == 0' <<<"$output"
}

@test "state: an annotation with a lone UTF-16 surrogate escape reads as U+FFFD, and the container stays manageable" {
        # jq would rewrite the escape itself: put it in with sed.
        update_config '.annotations = {"x": "LONE", "y": "HIGH"}'
        sed -i 's/"LONE"/"a\\udc00b"/; s/"HIGH"/"\\ud800\\u0041"/' "$FC_BUNDLE/config.json"
        grep -qF '"a\udc00b"' "$FC_BUNDLE/config.json"
        create_container
        run -0 fc state "$FC_ID"
        jq -e '.annotations == {"x": "a\ufffdb", "y": "\ufffdA"}' <<<"$output"
        run -0 fc delete -f "$FC_ID"
        run fc state "$FC_ID"
        [ "$status" -ne 0 ]
}

@test "state: no annotations in the config means none (or empty) in the state" {
        update_config 'del(.annotations)'
        create_container
        run -0 fc state "$FC_ID"
        jq -e '(.annotations // {}) == {}' <<<"$output"
}

@test "state: a container whose init died unnoticed is reported stopped" {
        create_container
        fc start "$FC_ID"
        kill -KILL "$(container_pid)"
        wait_for_status stopped
}

@test "state: a deleted container's emptied state dir is kept (at most 8) and taken by the next create" {
        set_args true
        local k ino inos
        for ((k = 0; k < 10; k++)); do
                run -0 fc run --bundle "$FC_BUNDLE" "$FC_ID-$k"
        done
        # Kept under names no id can have, invisible to list, without
        # state.json: its file stays as .state.json.spare for the next
        # create's writes, beside the file they are made in.
        run -0 ls -A "$FC_ROOT"
        [ "$(echo "$output" | grep -c '^\.fc-spare@[0-7]$')" -eq 1 ] || fail "spares: $output"
        run -0 ls -A "$FC_ROOT/.fc-spare@0"
        [ "$(echo $output)" = ".state.json.spare .state.json.tmp" ] || fail "in the spare: $output"
        run -0 fc list -q
        [ -z "$output" ]
        # Several deleted at once (none of them running): up to 8 spares.
        set_args sleep 100
        for ((k = 0; k < 10; k++)); do
                create_container "$FC_ID-c$k"
        done
        for ((k = 0; k < 10; k++)); do
                run -0 fc delete -f "$FC_ID-c$k"
        done
        run -0 ls -A "$FC_ROOT"
        [ "$(echo "$output" | grep -c '^\.fc-spare@[0-7]$')" -eq 8 ] || fail "spares: $output"
        [ "$(echo "$output" | grep -v '^\.fc-spare@' | grep -vxc '\.fc-cgroup-mounts')" -eq 0 ] ||
                fail "left: $output"
        # The next create takes one (the same directory), and its id is checked as ever.
        ino=$(stat -c %i "$FC_ROOT/.fc-spare@0")
        inos=" $(stat -c %i "$FC_ROOT/.fc-spare@0"/.state.json.* | tr '\n' ' ')"
        create_container "$FC_ID-n"
        [ "$(stat -c %i "$FC_ROOT/$FC_ID-n")" = "$ino" ]
        # Its state was written into the files kept, no new one made.
        [[ "$inos" == *" $(stat -c %i "$FC_ROOT/$FC_ID-n/state.json") "* ]] || fail "state.json is new"
        [[ "$inos" == *" $(stat -c %i "$FC_ROOT/$FC_ID-n/.state.json.tmp") "* ]] || fail "tmp is new"
        [ ! -e "$FC_ROOT/$FC_ID-n/.state.json.spare" ]
        [ ! -e "$FC_ROOT/.fc-spare@0" ]
        [ "$(container_status "$FC_ID-n")" = created ]
        run fc create --bundle "$FC_BUNDLE" "$FC_ID-n"
        [ "$status" -ne 0 ]
        [[ "$output" == *"container with given ID already exists"* ]]
        [ ! -e "$FC_ROOT/.fc-spare@0" ] && [ -e "$FC_ROOT/.fc-spare@1" ]
        run -0 fc delete -f "$FC_ID-n"
}
