# Run by cpack (CPACK_PRE_BUILD_SCRIPTS) on the staged files, before the .deb is made:
# turns the install tree (prefix /usr) into the Debian layout.
#  - /usr/lib/alex_os/modules/chainbot/default.yaml moves to the conffile
#    /etc/alex_os/chainbot/default.yaml with the packaged data_dir and logging.file, and a
#    relative symlink takes its place, so /usr/bin/alex_os reads /etc with no flags;
#  - the systemd unit, the udev rule for /dev/gpiochip* and the logrotate file are added.
set(stage "${CPACK_TEMPORARY_DIRECTORY}")
set(src "${CPACK_CHAINBOT_PACKAGING_DIR}")
set(module_dir "${stage}/usr/lib/alex_os/modules/chainbot")
if(NOT EXISTS "${module_dir}/module.json" OR NOT EXISTS "${module_dir}/default.yaml")
  message(FATAL_ERROR "deb-staging: no module folder at ${module_dir} (is CPACK_PACKAGING_INSTALL_PREFIX /usr?)")
endif()

# Replaces the one line matching `regex` by `line`; fails when it is not there exactly once,
# so that a change of config/default.yaml cannot silently leave a package writing to ./data.
function(replace_line text_var regex line)
  string(REGEX MATCHALL "${regex}" found "${${text_var}}")
  list(LENGTH found n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "deb-staging: expected one line matching '${regex}' in config/default.yaml, found ${n}")
  endif()
  string(REGEX REPLACE "${regex}" "${line}" out "${${text_var}}")
  set(${text_var} "${out}" PARENT_SCOPE)
endfunction()

file(READ "${module_dir}/default.yaml" yaml)
replace_line(yaml "\n  data_dir: data\n" "\n  data_dir: /var/lib/alex_os/chainbot\n")
replace_line(yaml "\n  file: \"\"\n" "\n  file: /var/log/alex_os/chainbot.log\n")
string(PREPEND yaml "# Installed by the chainbot package (a conffile: your changes survive upgrades).
# The alex_os service (/usr/bin/alex_os run) reads it through
# /usr/lib/alex_os/modules/chainbot/default.yaml; restart it after a change:
#   sudo systemctl restart alex_os
# Packaged values: module.data_dir /var/lib/alex_os/chainbot, logging.file /var/log/alex_os/chainbot.log.
")
file(WRITE "${stage}/etc/alex_os/chainbot/default.yaml" "${yaml}")
file(REMOVE "${module_dir}/default.yaml")
file(CREATE_LINK ../../../../../etc/alex_os/chainbot/default.yaml "${module_dir}/default.yaml" SYMBOLIC)

file(COPY "${src}/systemd/alex_os.service" DESTINATION "${stage}/lib/systemd/system"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(COPY "${src}/debian/60-alex_os-gpio.rules" DESTINATION "${stage}/lib/udev/rules.d"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(MAKE_DIRECTORY "${stage}/etc/logrotate.d")
file(COPY_FILE "${src}/debian/alex_os.logrotate" "${stage}/etc/logrotate.d/alex_os")

if(CPACK_CHAINBOT_CROSS_CC)
  set(ENV{CC} "${CPACK_CHAINBOT_CROSS_CC}")
  if(CPACK_CHAINBOT_CROSS_OBJDUMP)
    set(ENV{OBJDUMP} "${CPACK_CHAINBOT_CROSS_OBJDUMP}")
  endif()
endif()
