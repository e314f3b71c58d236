/*
 * app_view.h - how ssc shows applications for funding, their frozen
 * versions and the differences between two versions; shared by `ssc
 * application` and `ssc review`, whose steps answer with the application.
 *
 * An application in full is its row, its period, its budget lines, its
 * co-financing lines with each share exactly as the server sends it (the
 * percentage, rounded half up to two decimals, and the fraction n/d in
 * minor units), the figures (budget total, co-financing, requested and
 * its share), and where the decision on the submitted version stands (the
 * tier, the approvals, the recommendation, the sign-off and what is still
 * missing). With --json, each is the response message's JSON instead.
 *
 * Entry points: cli_app_view, cli_app_version_view, cli_app_answer(),
 * cli_app_version_answer(), cli_app_diff_answer().
 */
#ifndef CLI_APP_VIEW_H
#define CLI_APP_VIEW_H

#include "cli.h"
#include "output.h"

#include <protobuf-c/protobuf-c.h>

/* One row per Application (lists). */
extern const cli_view cli_app_view;

/* One row per ApplicationVersion (lists). */
extern const cli_view cli_app_version_view;

/* Answer hooks (verb.h): an Application, an ApplicationVersion and an
 * ApplicationDiff, in full. Return 0. */
int cli_app_answer(cli_ctx *ctx, const cli_cmd *self,
                   const ProtobufCMessage *resp);
int cli_app_version_answer(cli_ctx *ctx, const cli_cmd *self,
                           const ProtobufCMessage *resp);
int cli_app_diff_answer(cli_ctx *ctx, const cli_cmd *self,
                        const ProtobufCMessage *resp);

#endif
